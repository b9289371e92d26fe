"""Recorded runs ship with the package and say where they come from (bad names:
test_bad_inputs.py)."""
import subprocess
import sys
import zipfile

import d2lmini as d2l
from d2lmini import recorded


def test_every_recorded_run_says_where_it_ran_and_what_it_reached():
    names = recorded.recorded_runs()
    assert "8-3-nin-full-d2l-init-h200" in names
    for name in names:
        run = recorded.recorded_run(name)
        assert run["section"] and run["model"] and run["machine"] and run["source"], name


def test_nin_with_d2ls_init_sat_at_chance_for_three_epochs():
    accuracies = recorded.recorded_run("8-3-nin-full-d2l-init-h200")["val_acc_per_epoch"]
    assert len(accuracies) == 10 and accuracies[:3] == [0.1, 0.1, 0.1]


def test_the_wheel_ships_the_recorded_runs(tmp_path):
    # Colab installs d2lmini from git: the files must be inside the package, not only in the repo.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(d2l.__path__[0] + "/..")], check=True)
    (wheel,) = tmp_path.glob("d2lmini-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    for name in recorded.recorded_runs():
        assert f"d2lmini/recorded/{name}.json" in shipped
    assert "d2lmini/widgets/_base.js" in shipped
