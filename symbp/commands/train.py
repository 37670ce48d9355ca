"""``symbp train``: mini-batch SGD on MNIST with code generated from the derivations."""

from __future__ import annotations

import sys
import time

from ..errors import EXIT_OK, InputError, UsageError
from ._outputs import check_out_folder


def _layers(text: str) -> tuple:
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise UsageError(f"--layers must be comma-separated integers, got {text!r}",
                         where="--layers", hint="e.g. --layers 784,100,10") from None
    return sizes


def _arch_layers(arch: str) -> tuple:
    """(784, then the output size of each conv or dense layer of --arch): one entry per
    parameter pair after the input, as --layers has (codegen checks the list itself)."""
    import re

    sizes = [int(m.group(1) or m.group(2)) for m in
             re.finditer(r"(?:^|,)\s*(?:conv\d+x\d+x(\d+)|dense(\d+))\s*(?=,|$)", arch)]
    if not sizes:
        raise UsageError(f"--arch has no conv or dense layer: {arch!r}", where="--arch",
                         hint="e.g. --arch conv5x5x16,relu,maxpool2,flatten,dense10")
    return (784, *sizes)


def add_parser(sub):
    p = sub.add_parser(
        "train", help="train an MLP on MNIST with generated code",
        description="Generate (or reuse from the cache) the model module with `symbp codegen`, "
                    "train it with mini-batch SGD and write metrics.json, loss.png, model.npz "
                    "and the module to --out. Exit 0 on success, 1 when training diverges "
                    "(NaN/inf; no model is saved), 2 for usage or data errors.")
    p.add_argument("--layers", default="784,100,10", help="layer sizes (default 784,100,10)")
    p.add_argument("--arch", default=None, metavar="L1,L2,...",
                   help="a convolutional network instead of --layers/--hidden, e.g. "
                        "conv5x5x16,relu,maxpool2,flatten,dense10 (see `codegen --arch`)")
    p.add_argument("--hidden", default="sigmoid", help="hidden activation (default sigmoid)")
    p.add_argument("--output", default="softmax", help="output activation (default softmax)")
    p.add_argument("--loss", default="ce", help="loss: ce, bce, mse (default ce)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--lr", type=float, default=2.0, help="learning rate on the batch-mean "
                   "gradient (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", default="xavier", help="xavier (default), he, or uniform "
                   "(−0.5, 0.5) as in the course code")
    p.add_argument("--zero-biases", action="store_true",
                   help="start the biases at 0 (the course setting with --init uniform)")
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--l2", type=float, default=0.0, help="L2 weight decay on the weights")
    p.add_argument("--lr-schedule", default="const",
                   help="const | exp:G (×G per epoch) | step:G:K | linear (per epoch) | anneal (linear "
                   "to 0, per iteration) (default const)")
    p.add_argument("--normalize", default="whiten", help="whiten (per-pixel standardisation, "
                   "default) or scale (x/255)")
    p.add_argument("--dataset", default="mnist", help="mnist or fashion-mnist")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="folder with the four IDX files (else $SYMBP_DATA, the cache, download)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                   help="float32 (default) or float64")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder "
                   "(default runs/train-<time>)")
    p.add_argument("--module", default=None, metavar="FILE",
                   help="use this generated module instead of running codegen")
    p.add_argument("--train-limit", type=int, default=None, metavar="N",
                   help="use only the first N training images")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def config_from_args(args):
    from ..train import TrainConfig

    layers = _arch_layers(args.arch) if args.arch else _layers(args.layers)
    cfg = TrainConfig(layers=layers, arch=args.arch, hidden=args.hidden, output=args.output,
                      loss=args.loss, epochs=args.epochs, batch_size=args.batch_size,
                      lr=args.lr, seed=args.seed, init=args.init,
                      zero_biases=args.zero_biases, momentum=args.momentum,
                      l2=args.l2, lr_schedule=args.lr_schedule, normalize=args.normalize,
                      dataset=args.dataset, dtype=args.dtype, train_limit=args.train_limit)
    cfg.validate()
    if cfg.train_limit is not None and cfg.train_limit < 1:
        raise UsageError(f"--train-limit must be at least 1, got {cfg.train_limit}",
                         where="--train-limit", hint="leave it out to use every training image")
    return cfg


#: what a module given with --module must define (as ``symbp codegen`` writes it)
MODULE_API = ("DTYPE", "init_params", "loss_and_gradients", "loss", "predict")


def load_user_module(path: str):
    """Import the module given with --module; a missing file or one that is not a
    generated module is a usage error."""
    import os

    from .. import train as tr

    if not os.path.isfile(path):
        what = "is a folder" if os.path.isdir(path) else "does not exist"
        raise UsageError(f"--module {path} {what}", where="--module",
                         hint="give a file written by `symbp codegen -o FILE`, or leave "
                              "--module out to generate one")
    try:
        module = tr.load_module(path)
    except (KeyboardInterrupt, MemoryError):
        raise
    except BaseException as exc:  # noqa: BLE001 - the user's file: whatever it raises
        raise UsageError(f"--module {path} could not be imported ({type(exc).__name__}: "
                         f"{str(exc)[:120]})", where="--module",
                         hint="give a file written by `symbp codegen -o FILE`") from None
    missing = [name for name in MODULE_API if not hasattr(module, name)]
    if missing:
        raise UsageError(f"--module {path} is not a module generated by symbp codegen "
                         f"(it lacks {', '.join(missing)})", where="--module",
                         hint="give a file written by `symbp codegen -o FILE`")
    return module


def check_module_fits(path: str, module, cfg, prep) -> None:
    """A --module built for other sizes fails here, on two samples, not inside training."""
    try:
        params = module.init_params(seed=cfg.seed, scheme=cfg.init)
        module.loss_and_gradients(params, prep.x_train[:2], prep.y_train[:2])
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        n_in, n_out = prep.x_train.shape[1], prep.y_train.shape[1]
        sizes = getattr(module, "LAYERS", None) or getattr(module, "ARCH", None)
        raise UsageError(f"--module {path} does not fit the data ({n_in} inputs, {n_out} "
                         f"classes; the module has {sizes}): {type(exc).__name__}: "
                         f"{str(exc)[:100]}", where="--module",
                         hint="generate it for these sizes, e.g. `symbp codegen --layers "
                              f"{n_in},100,{n_out} ... -o FILE`") from None


def run(args) -> int:
    from .. import data as data_mod
    from .. import runs
    from .. import train as tr

    t_start = time.perf_counter()
    cfg = config_from_args(args)
    out = args.out or time.strftime("runs/train-%Y%m%d-%H%M%S")
    check_out_folder(out)
    module = load_user_module(args.module) if args.module else None
    data = data_mod.load(cfg.dataset, data_dir=args.data_dir)
    module_path = args.module or tr.generate_module(cfg)
    module = module or tr.load_module(module_path)
    prep = tr.prepare(data, cfg, module.DTYPE)
    if args.module:
        check_module_fits(args.module, module, cfg, prep)
    what = cfg.arch or f"{'-'.join(map(str, cfg.layers))} {cfg.hidden}"
    print(f"training {what}/{cfg.output}/{cfg.loss} on "
          f"{cfg.dataset} ({len(prep.x_train)} train, {len(prep.x_test)} test), "
          f"module {module_path}", flush=True)

    def report(e):
        print(f"epoch {e['epoch']}: train loss {e['train_loss']:.4f}  test loss "
              f"{e['test_loss']:.4f}  test accuracy {100 * e['test_accuracy']:.2f}%  "
              f"{e['seconds']:.2f}s", flush=True)

    result = tr.fit(module, cfg, prep, stream=None if args.quiet else sys.stderr,
                    on_epoch=report)
    try:
        runs.save_run(out, cfg, result, prep, module_path, time.perf_counter() - t_start)
    except OSError as exc:
        raise InputError(f"cannot write the run to {out}: {exc.strerror or exc}",
                         where="--out", hint="choose a writable folder") from None
    print(f"test accuracy {100 * result.epochs[-1]['test_accuracy']:.2f}% after "
          f"{cfg.epochs} epoch(s), training {sum(e['seconds'] for e in result.epochs):.2f}s; "
          f"wrote {out}/metrics.json, loss.png, model.npz, model.py")
    return EXIT_OK
