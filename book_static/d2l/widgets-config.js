// Loaded (via _config.yml's nb_ipywidgets_js) after vendor/require.js and before
// vendor/embed-amd.js on every page that holds widgets. It points RequireJS at the
// book's own copies, so the widget embedder never falls back to a CDN: the page
// makes no request off the book's server.
// * anywidget: the AMD module of the anywidget Python package that saved the state;
// * the @jupyter-widgets modules are defined inside embed-amd.js, but each one's
//   URL is where its CSS looks for its (Font Awesome) fonts: map them all to the
//   folder that holds those fonts (scripts/fetch_widget_js.py puts them there).
(function () {
  var script = document.currentScript;
  var base = script && script.src ? script.src.replace(/[^/]*$/, "") : "_static/d2l/";
  var dist = base + "vendor/html-manager/dist/";
  window.__jupyter_widgets_assets_path__ = dist;
  window.requirejs.config({
    paths: {
      anywidget: base + "vendor/anywidget",
      "@jupyter-widgets/html-manager/dist/libembed-amd": dist + "libembed-amd",
      "@jupyter-widgets/html-manager": dist + "html-manager",
      "@jupyter-widgets/base": dist + "base",
      "@jupyter-widgets/base7": dist + "base7",
      "@jupyter-widgets/controls": dist + "controls",
      "@jupyter-widgets/controls7": dist + "controls7",
    },
  });
})();
