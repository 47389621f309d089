"""``python -m grader tables``: print the per-layer output tables, as the book's printing loop does."""
from __future__ import annotations

from pathlib import Path

from .. import build
from ..spec import MODULES, NETWORKS
from ..options import selected_modules

ROOT = Path(__file__).resolve().parents[2]


def configure(parser):
    parser.add_argument("--impl", default="solutions",
                        help="folder with the modules: solutions (default), exercises or a path")
    parser.add_argument("--only", default=",".join(MODULES),
                        help="comma-separated modules (default: the seven; 'all' adds batch_norm_scratch and densenet)")


def main(args) -> int:
    folder = Path(args.impl) if Path(args.impl).exists() else ROOT / args.impl
    modules = selected_modules(args.only, "tables")
    if modules is None:
        return 2
    for module_name in modules:
        spec = NETWORKS[module_name]
        print(f"== {spec.title} ({module_name}.py, d2l {spec.section}): "
              f"X = torch.rand{spec.input_shape}; net = {spec.call}")
        try:
            module = build.load_module(folder, module_name)
            model = build.build(module, spec.call, "meta", spec.input_shape)
            for row in build.on_meta_or_cpu(build.layer_table, module, spec.call, spec.input_shape):
                print(f"{row.name} output shape:\t torch.Size({list(row.shape)})")
            print(f"parameters: {build.parameter_count(model):,}\n")
        except Exception as error:   # one broken module must not hide the others
            print(f"cannot build it: {type(error).__name__}: {error}\n")
    return 0
