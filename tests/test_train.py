"""The trainer, its command line, and the grader's training check."""
import argparse
import contextlib
import json
import math
import re
import subprocess
import sys
import time

import pytest
import torch
from torch import nn

from benchmarks.calibrate import Constant   # the calibration's model that cannot learn
from grader import data as fmnist
from grader import grade, recipes, threads, train
from grader.apps import train as train_command
from grader.build import build, load_module
from grader.spec import MODULES, NETWORKS
from tests.test_data import idx_bytes

REAL_INSTALLED = not fmnist.missing_files(fmnist.SYSTEM_DIR)
needs_real = pytest.mark.skipif(not REAL_INSTALLED, reason=f"real Fashion-MNIST not installed in "
                                f"{fmnist.SYSTEM_DIR} (apt-get install dataset-fashion-mnist)")


def real():
    return fmnist.load_fashion_mnist(fmnist.SYSTEM_DIR, download=False, env={})


def synthetic(n_train=512, n_test=256, seed=0):
    """Learnable stand-in data: each class is a bright horizontal band at its own height, plus noise."""
    g = torch.Generator().manual_seed(seed)

    def make(n):
        labels = torch.arange(n) % 10
        images = torch.randint(0, 60, (n, 28, 28), generator=g)
        for c in range(10):
            images[labels == c, 2 + 2 * c:4 + 2 * c, :] = 250
        return images.to(torch.uint8), labels
    train_images, train_labels = make(n_train)
    test_images, test_labels = make(n_test)
    return fmnist.FashionMNIST(train_images, train_labels, test_images, test_labels, "synthetic", "synthetic")


def small_real_or_synthetic(n_train=2048, n_test=1000):
    if REAL_INSTALLED:
        d = real()
        return fmnist.FashionMNIST(d.train_images[:n_train], d.train_labels[:n_train],
                                   d.test_images[:n_test], d.test_labels[:n_test], "subset", "real subset")
    return synthetic(n_train, n_test)


def write_idx_dir(dataset, directory):
    directory.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        images, labels = getattr(dataset, f"{split}_images"), getattr(dataset, f"{split}_labels")
        (directory / fmnist.FILES[(split, "images")]).write_bytes(idx_bytes(images))
        (directory / fmnist.FILES[(split, "labels")]).write_bytes(idx_bytes(labels))
    return directory


def solution(module):
    torch.manual_seed(0)
    return build(load_module("solutions", module), NETWORKS[module].call, "cpu")


def tiny_plan(module="batch_norm", steps=15, test_images=500):
    recipe = recipes.check_recipe(module, "cpu")
    return {"module": module, "device": "cpu", "input_size": recipe.input_size, "batch_size": 64,
            "steps": steps, "lr": recipe.lr, "test_images": test_images, "target": 0.5}


# ---------------------------------------------------------------- the command line

def run_cli(argv):
    parser = argparse.ArgumentParser()
    train_command.configure(parser)
    before = torch.get_num_threads()
    try:
        return train_command.main(parser.parse_args(argv))
    finally:
        torch.set_num_threads(before)       # the trainer sets this process's threads: not the other tests'


def test_cli_book_recipe_prints_the_books_lines_and_writes_json(tmp_path, capsys):
    directory = write_idx_dir(small_real_or_synthetic(), tmp_path / "fmnist")
    out_json, out_png = tmp_path / "run.json", tmp_path / "curves.png"
    argv = ["batch_norm", "--recipe", "book", "--device", "cpu", "--epochs", "2", "--data", str(directory),
            "--json", str(out_json), "--quiet", "--plot", str(out_png), "--threads", "1"]
    assert run_cli(argv) == 0
    stdout = capsys.readouterr().out
    assert "training on cpu, 1 thread(s) (--threads)" in stdout and str(directory) in stdout
    assert len(re.findall(r"^epoch \d: loss \d+\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}$", stdout, re.M)) == 2
    assert re.search(r"^loss \d+\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}$", stdout, re.M)
    assert re.search(r"^\d+\.\d examples/sec on cpu$", stdout, re.M)

    result = json.loads(out_json.read_text())
    for key in ("module", "recipe", "device", "epochs", "input_size", "train_loss", "train_acc", "test_acc",
                "examples_per_sec", "train_seconds", "history"):
        assert key in result, key
    assert result["module"] == "batch_norm" and result["recipe"] == "book" and result["device"] == "cpu"
    assert result["epochs"] == 2 and len(result["history"]) == 2 and result["input_size"] == 28
    assert result["batch_size"] == 256 and result["lr"] == 1.0              # the book's
    assert result["test_images"] == 1000                                     # the whole test set given
    assert result["examples"] == 2 * 2048 and result["steps"] == 2 * 8      # last partial batch kept
    assert 0 < result["train_seconds"] and result["examples_per_sec"] > 0
    assert all(0 <= h["test_acc"] <= 1 for h in result["history"])
    assert_valid_png(out_png)


def assert_valid_png(path, min_size=(400, 300)):
    from PIL import Image
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        image.verify()                          # the whole file: chunks and checksums
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size >= min_size, image.size
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 20     # drawn, not blank


@pytest.mark.parametrize("epochs", [1, 3])
def test_the_curves_are_the_books_animator_with_the_books_accuracy(tmp_path, epochs):
    result = train.train_model(solution("lenet"), "lenet", "book", "cpu", epochs=epochs, dataset=synthetic(512, 64),
                               progress=False)
    figure = train.training_figure(result)
    (ax,) = figure.axes
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss / accuracy"
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:3] == ["train loss", "train acc", "test acc"]
    book = recipes.BOOK["lenet"]
    references = {round(line.get_ydata()[0], 3): line.get_label() for line in ax.get_lines()[3:]}
    assert set(references) == {book.printed_zh, book.printed_en}        # read from BOOK, both editions
    assert "zh 6.6" in references[book.printed_zh] and "en 7.6" in references[book.printed_en]
    assert ax.get_xlim()[1] >= epochs and ax.get_ylim()[0] == 0
    (legend,) = figure.legends                  # outside the axes: below them
    figure.canvas.draw()
    assert legend.get_window_extent().y1 <= ax.get_window_extent().y0
    assert figure._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"     # shows inline in a notebook
    path = train.plot_history(result, tmp_path / "plots" / "curves.png")
    assert_valid_png(path)


def test_the_trainer_takes_one_thread_per_idle_cpu():
    assert [threads.trainer_threads(idle, 2) for idle in (2.0, 1.6, 1.0, 0.1)] == [2, 2, 1, 1]
    assert threads.trainer_threads(7.9, 4) == 4 and threads.trainer_threads(0.0, 1) == 1


def test_opting_out_of_the_kits_thread_settings_keeps_every_cpu(monkeypatch):
    monkeypatch.setenv(threads.OPT_OUT, "default")
    before = torch.get_num_threads()
    try:
        assert train.cpu_threads(None) == (f"{threads.cpus()} thread(s) ({threads.OPT_OUT}=default)", None)
        assert torch.get_num_threads() == threads.cpus()
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def two_busy_processes():
    """Two processes that loop in Python, each spinning before the block starts."""
    spin = "import sys; sys.stdout.write('go'); sys.stdout.flush()\nwhile True: pass"
    loops = [subprocess.Popen([sys.executable, "-c", spin], stdout=subprocess.PIPE) for _ in range(2)]
    try:
        for loop in loops:
            assert loop.stdout.read(2) == b"go"
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def test_busy_processes_leave_the_trainer_fewer_threads():
    """Two processes that spin (started, and spinning, before the trainer looks) take two CPUs' worth of time."""
    with two_busy_processes():
        available = threads.cpus()
        idle = threads.idle_cpus()
        assert idle <= max(0.0, available - 2) + 0.5, idle
        assert threads.trainer_threads(idle, available) <= max(1, available - 1)


def test_the_trainers_own_work_is_not_other_work(monkeypatch):
    """Over 200 ticks of two CPUs, 150 busy, 100 of them this process's own: half a CPU of other work."""
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1})
    ticks = threads.os.sysconf("SC_CLK_TCK")
    counters = iter([(1000, 4000), (1150, 4200)])
    own = iter([10.0, 10.0 + 100 / ticks])
    monkeypatch.setattr(threads, "cpu_times", lambda chosen: next(counters))
    monkeypatch.setattr(threads.os, "times", lambda: threads.os.times_result((next(own), 0.0, 0.0, 0.0, 0.0)))
    assert threads.IdleCpus().look() == pytest.approx(1.5)


def test_the_trainers_threads_wait_as_the_load_says(monkeypatch):
    for variable in (*threads.WAIT_VARIABLES, threads.OPT_OUT):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(threads, "cpus", lambda: 2)
    monkeypatch.setattr(threads, "first_look", lambda: 0.3)
    assert threads.wait_settings(trainer=True) == threads.BUSY_WAIT == {"OMP_WAIT_POLICY": "PASSIVE"}
    assert threads.wait_settings() == threads.WAIT          # only the trainer computes on several threads
    monkeypatch.setattr(threads, "first_look", lambda: 1.8)
    assert threads.wait_settings(trainer=True) == threads.WAIT
    monkeypatch.setenv("GOMP_SPINCOUNT", "100")
    assert threads.wait_settings(trainer=True) == {}          # the user's own setting stays


def test_passive_threads_take_every_cpu_and_keep_it(monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")
    monkeypatch.setattr(threads, "cpus", lambda: 2)
    monkeypatch.setattr(threads, "first_look", lambda: 0.1)
    monkeypatch.setattr(threads.IdleCpus, "look", lambda self: pytest.fail("passive threads need no second look"))
    follow = threads.FollowTheLoad(every=0)
    assert follow.passive and [follow(step) for step in range(3)] == [2, 2, 2] and follow.changes == []


def test_the_trainer_looks_again_while_it_trains(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setattr(threads, "cpus", lambda: 2)
    monkeypatch.setattr(threads, "first_look", lambda: 2.0)
    looks = iter([0.4, 0.6, 1.9])
    monkeypatch.setattr(threads.IdleCpus, "look", lambda self: next(looks))
    follow = threads.FollowTheLoad(every=0)
    assert follow.threads == 2
    assert [follow(step) for step in range(3)] == [1, 1, 2]
    assert follow.changes == [(0, 1, 0.4), (2, 2, 1.9)]
    assert train.thread_changes(follow, since=1) == ["  2 thread(s) from step 3 (1.9 of 2 CPUs idle)"]


def test_load_that_starts_while_the_trainer_works_leaves_it_fewer_threads(monkeypatch):
    """Its own computing does not hide two busy processes that start after its first look."""
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)         # spinning threads: they follow the load
    threads.first_look()                                          # looked at (once a process) before the load
    seen, look = [], threads.IdleCpus.look
    monkeypatch.setattr(threads.IdleCpus, "look", lambda self: seen.append(look(self)) or seen[-1])
    follow = threads.FollowTheLoad(every=0.5)
    with two_busy_processes():
        started = time.monotonic()
        while time.monotonic() - started < follow.every:
            pass                                    # the trainer's own work
        threads_now = follow(step=7)
    assert len(seen) == 1 and seen[0] < follow.available - 0.5, seen     # the look while it trained saw the load
    assert threads_now == threads.trainer_threads(seen[0], follow.available) <= max(1, follow.available - 1)


def test_training_takes_the_threads_it_is_given_at_each_step():
    asked, before = [], torch.get_num_threads()
    try:
        train.fit(solution("lenet"), synthetic(256, 64), recipes.fast_recipe("lenet", "cpu"), steps=4,
                  threads_for=lambda step: asked.append(step) or (1 if step < 2 else 2))
        assert asked == [0, 1, 2, 3] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_cli_reports_missing_data_with_every_way(tmp_path, capsys):
    assert run_cli(["lenet", "--device", "cpu", "--data", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--data" in err and "dataset-fashion-mnist" in err and "torchvision" in err


# ---------------------------------------------------------------- the trainer

def test_batches_are_resized_on_the_device():
    d = synthetic(16, 16)
    recipe = recipes.book_recipe("googlenet")
    x, y = train.Batches(d.train_images, d.train_labels, recipe, torch.device("cpu")).get(slice(0, 4))
    assert x.shape == (4, 1, 96, 96) and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
    assert torch.equal(y, d.train_labels[:4])


def test_book_recipes_are_the_books():
    assert {m: (recipes.BOOK[m].lr, recipes.BOOK[m].batch_size, recipes.BOOK[m].input_size, recipes.BOOK[m].epochs)
            for m in MODULES} == {
        "lenet": (0.9, 256, 28, 10), "batch_norm": (1.0, 256, 28, 10), "alexnet": (0.01, 128, 224, 10),
        "vgg": (0.05, 128, 224, 10), "nin": (0.1, 128, 224, 10), "googlenet": (0.1, 128, 96, 10),
        "resnet": (0.05, 256, 96, 10)}
    vgg = build(load_module("solutions", "vgg"), recipes.book_recipe("vgg").call, "meta")
    assert [m.out_channels for m in vgg.modules() if isinstance(m, nn.Conv2d)] == [16, 32, 64, 64, 128, 128, 128, 128]
    r = recipes.book_recipe("lenet")
    assert (r.optimizer, r.schedule, r.init, r.normalize, r.label_smoothing) == ("sgd", "constant", "xavier", False, 0)


def test_same_seed_same_result_on_cpu():
    d = small_real_or_synthetic()
    first = train.run_check(solution("batch_norm"), tiny_plan(), seed=3, dataset=d)
    second = train.run_check(solution("batch_norm"), tiny_plan(), seed=3, dataset=d)
    other = train.run_check(solution("batch_norm"), tiny_plan(), seed=4, dataset=d)
    assert first["test_acc"] == second["test_acc"] and first["train_loss"] == second["train_loss"]
    assert first["train_loss"] != other["train_loss"]


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 10, 20])
def test_short_runs_of_every_length_train(steps):
    # OneCycleLR used to divide by zero when the warm-up was exactly one step (10 steps at 10 %)
    result = train.fit(solution("batch_norm"), synthetic(1024, 64), recipes.fast_recipe("batch_norm", "cpu"),
                       steps=steps)
    assert result["steps"] == steps and math.isfinite(result["train_loss"])


def test_progress_bar_is_quiet_when_not_a_terminal(capsys):
    train.fit(solution("lenet"), synthetic(256, 64), recipes.fast_recipe("lenet", "cpu"), steps=3)
    assert capsys.readouterr().err == ""


class Raises(nn.Module):
    def forward(self, x):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (64x400 and 256x120)")


class WrongShape(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(28 * 28, 5)

    def forward(self, x):
        return self.fc(x.flatten(1))


class Tuple(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(28 * 28, 10)

    def forward(self, x):
        return self.fc(x.flatten(1)), x


@pytest.mark.parametrize("model, words", [
    (Raises(), ["forward raised RuntimeError", "mat1 and mat2", "(2, 1, 28, 28)"]),
    (WrongShape(), ["returned shape (2, 5)", "expected (2, 10)"]),
    (Tuple(), ["returned a tuple, not a tensor"]),
])
def test_a_model_that_cannot_run_raises_a_clear_error(model, words):
    with pytest.raises(train.TrainingError) as caught:
        train.run_check(model, tiny_plan(), dataset=synthetic(256, 64))
    for word in words:
        assert word in str(caught.value)


def test_a_model_without_trainable_parameters_raises():
    model = solution("lenet").requires_grad_(False)
    with pytest.raises(train.TrainingError, match="no trainable parameters"):
        train.run_check(model, tiny_plan("lenet"), dataset=synthetic(256, 64))


# ---------------------------------------------------------------- the grader's check

def test_plans_cover_the_required_networks():
    for module in ("lenet", "batch_norm", "resnet"):
        plan = recipes.training_check_plan(module, "cpu")
        assert plan is not None, recipes.training_skip_reason(module, "cpu")
        assert plan["calibrated"] and 0.1 < plan["target"] < 1 and plan["test_images"] >= 1000
        assert recipes.training_skip_reason(module, "cpu") == ""
    for module in ("alexnet", "vgg", "nin", "googlenet"):
        assert recipes.training_check_plan(module, "cpu") is None
        assert len(recipes.training_skip_reason(module, "cpu")) > 20
    for module in MODULES:
        plan = recipes.training_check_plan(module, "cuda")
        assert plan is not None and plan["input_size"] == recipes.BOOK[module].input_size
        assert plan["calibrated"] is False and plan["target"] >= 0.5


def test_calibration_targets_are_below_every_reference_run_and_above_every_broken_one():
    table = recipes.load_calibration()
    for module in ("lenet", "batch_norm", "resnet"):
        entry = table["cpu"][module]
        assert len(entry["reference"]) >= 5 and entry["command"].startswith("python -m benchmarks.calibrate")
        assert entry["target"] <= min(entry["reference"]) - 0.05
        assert "constant" in entry["broken"]
        for name, accuracies in entry["broken"].items():
            assert max(accuracies) < entry["target"], (module, name)
        recipe = recipes.check_recipe(module, "cpu")
        run = recipes.CHECK_RUNS["cpu"][module]
        assert entry["plan"] == {"module": module, "device": "cpu", "input_size": recipe.input_size,
                                 "batch_size": recipe.batch_size, "steps": run["steps"], "lr": recipe.lr,
                                 "test_images": run["test_images"]}, "plan changed: recalibrate"
    assert "detach-residual-branch" in table["cpu"]["resnet"]["broken"]


@needs_real
def test_reference_passes_and_a_constant_model_fails_the_real_check():
    passed = train.run_training_check(solution("batch_norm"), "batch_norm", "cpu", seed=0)
    assert passed["passed"], passed
    assert passed["test_images"] == recipes.training_check_plan("batch_norm", "cpu")["test_images"]
    failed = train.run_training_check(Constant(), "batch_norm", "cpu", seed=0)
    assert not failed["passed"] and failed["test_acc"] < 0.2, failed
    for key in ("test_acc", "target", "passed", "seconds", "steps", "input_size", "test_images"):
        assert key in failed


class ViewLeNet(nn.Module):
    """A correct LeNet whose forward flattens with .view(), which a channels_last feature map refuses."""

    def __init__(self):
        super().__init__()
        self.features = solution("lenet")[:6]
        self.classifier = solution("lenet")[7:]

    def forward(self, x):
        y = self.features(x)
        return self.classifier(y.view(y.shape[0], -1))


def test_a_forward_that_needs_contiguous_tensors_still_trains():
    recipe = recipes.fast_recipe("lenet", "cpu")
    assert recipe.channels_last
    result = train.fit(ViewLeNet(), synthetic(256, 64), recipe, steps=3)
    assert result["channels_last"] is False and result["steps"] == 3


def test_book_inputs_equal_torchvisions_resize_and_totensor():
    transforms = pytest.importorskip("torchvision.transforms", reason="torchvision not installed")
    from PIL import Image
    d = synthetic(8, 8)
    for module, size in (("lenet", 28), ("googlenet", 96), ("alexnet", 224)):
        x, _ = train.Batches(d.train_images, d.train_labels, recipes.book_recipe(module),
                             torch.device("cpu")).get(slice(0, 8))
        pipeline = transforms.Compose(([transforms.Resize(size)] if size != 28 else []) + [transforms.ToTensor()])
        ref = torch.stack([pipeline(Image.fromarray(im.numpy(), mode="L")) for im in d.train_images])
        assert x.shape == ref.shape
        assert (x - ref).abs().max() <= 1.0 / 255 + 1e-6   # PIL rounds the resized pixels to uint8


def test_gpu_script_parses_and_its_benchmark_dry_runs_on_the_cpu(tmp_path):
    import subprocess
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    subprocess.run(["bash", "-n", str(root / "benchmarks" / "gpu.sh")], check=True)
    if not REAL_INSTALLED:
        pytest.skip(f"dry run needs the real Fashion-MNIST in {fmnist.SYSTEM_DIR}")
    from benchmarks import time_to_accuracy
    out = tmp_path / "gpu.json"
    assert time_to_accuracy.main(["--device", "cpu", "--dry-run", "--modules", "lenet", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["dry_run"] and report["networks"]["lenet"]["steps"] == 2
    assert set(report["networks"]["lenet"]["first_reaching"]) == {"zh", "en"}


# ---------------------------------------------------------------- the check, as the grader runs it

@needs_real
def test_the_graders_training_check_passes_the_reference_through_the_sandbox():
    from grader.grade import grade_submission
    report = grade_submission(train.ROOT / "solutions", modules=("batch_norm",), train=True, device="cpu")
    training = [r for r in report.results if r.kind == "training"]
    assert training and all(r.status == "passed" for r in training), [r.output for r in training]
    assert report.score == report.max_score


@needs_real
def test_the_training_budget_follows_the_references_pace_on_this_machine_within_a_cap():
    from grader.grade import reference_for, training_limits
    from grader.options import TRAIN_BUDGET_CAP
    from grader.sandbox import Limits
    plan = recipes.training_check_plan("lenet", "cpu")
    reference = reference_for("lenet", Limits())
    # the reference needs well over 0.05 s for the whole check: 10x that is past the cap
    tight = training_limits(plan, Limits(timeout=0.5), reference, "cpu")
    assert [key for key in reference.cache if key[0] == "pace"]           # the reference really was timed
    assert tight.timeout == pytest.approx(TRAIN_BUDGET_CAP * 0.5)
    # a generous --train-timeout is never lowered, and CUDA keeps it as it is
    assert training_limits(plan, Limits(timeout=10_000), reference, "cpu").timeout == 10_000
    assert training_limits(plan, Limits(timeout=0.5), reference, "cuda").timeout == 0.5


def test_step_options_benchmark_prints_a_ratio_per_variant(capsys):
    from benchmarks import step_options
    assert step_options.main(["--seconds", "0.05", "--rounds", "1"]) == 0
    lines = [l for l in capsys.readouterr().out.splitlines() if "images/s" in l]
    assert len(lines) == len(step_options.VARIANTS) and lines[0].rstrip().endswith("1.00x")


@needs_real
def test_the_children_train_on_the_data_the_grading_process_found(tmp_path, monkeypatch):
    # ./data of the instructor's working folder, while the children cannot see the system copy
    # (hidden with GRADER_HIDE; their own working folder is a private scratch)
    import shutil
    from grader.grade import grade_submission
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for path in fmnist.SYSTEM_DIR.iterdir():
        shutil.copy(path, raw / path.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(fmnist.ENV_VAR, raising=False)
    monkeypatch.setenv("GRADER_HIDE", str(fmnist.SYSTEM_DIR.parent))
    monkeypatch.setattr(grade, "RESULTS_CACHE", {})
    report = grade_submission(train.ROOT / "solutions", modules=("lenet",), train=True, device="cpu")
    training = [r for r in report.results if r.kind == "training"]
    assert training and all(r.status == "passed" for r in training), [r.output for r in training]


def test_without_data_the_grader_stops_instead_of_failing_the_student(tmp_path, monkeypatch):
    from grader.grade import GraderBroken, grade_submission
    monkeypatch.setenv(fmnist.ENV_VAR, str(tmp_path))            # named, and empty
    monkeypatch.setattr(grade, "RESULTS_CACHE", {})
    with pytest.raises(GraderBroken, match="--no-train"):
        grade_submission(train.ROOT / "solutions", modules=("lenet",), train=True, device="cpu")
