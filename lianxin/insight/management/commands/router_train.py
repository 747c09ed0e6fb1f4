from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.access import SYSTEM
from lianxin.core.errors import LianxinError
from lianxin.insight import router
from lianxin.insight.models import RouterModel
from lianxin.insight.selectors import dispatcher_corrections
from lianxin.insight.services import router_model_train

from ._io import read_columns


class Command(BaseCommand):
    help = (
        "Train the category router on a labelled CSV or XLSX file, cross-validate it, store it as "
        "a new version and make it the active router."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="CSV or XLSX with text and label columns")
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
        parser.add_argument(
            "--no-activate", action="store_true", help="store the version without making it active"
        )
        parser.add_argument(
            "--no-corrections",
            action="store_true",
            help="leave out the dispatchers' corrections of earlier suggestions",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing if a router is active already (re-runnable setup)",
        )
        parser.add_argument(
            "--taxonomy",
            help="CSV of the category tree (一级分类, 二级分类, 三级分类) whose "
            "names are used as keywords (default: the bundled "
            f"{router.DEFAULT_PARAMS['taxonomy']}); 'none' leaves them out",
        )

    def handle(self, *args, **options):
        if options["folds"] < 2:
            raise CommandError("--folds must be at least 2")
        if options["if_missing"] and (active := RouterModel.objects.active().first()):
            self.stdout.write(f"router v{active.version} is active already; nothing to do")
            return
        texts, labels = read_columns(
            options["data"], [options["text_column"], options["label_column"]]
        )
        keep = [
            i
            for i, (t, lab) in enumerate(zip(texts, labels, strict=True))
            if t.strip() and lab.strip()
        ]
        dropped = len(texts) - len(keep)
        texts = [texts[i] for i in keep]
        labels = [labels[i].strip() for i in keep]
        corrections = [] if options["no_corrections"] else dispatcher_corrections(set(labels))
        texts += [text for text, _ in corrections]
        labels += [label for _, label in corrections]
        params = {}
        if taxonomy := options["taxonomy"]:
            params = (
                {"taxonomy_weight": 0}
                if taxonomy.lower() == "none"
                else {"taxonomy": str(Path(taxonomy).resolve())}
            )
        try:
            model = router_model_train(
                texts=texts,
                labels=labels,
                actor=SYSTEM,
                source=str(options["data"]),
                folds=options["folds"],
                activate=not options["no_activate"],
                params=params,
            )
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from exc
        m = model.metrics
        if dropped:
            self.stdout.write(f"rows without text or label, left out: {dropped}")
        if corrections:
            self.stdout.write(f"dispatchers' corrections learnt from: {len(corrections)}")
        self.stdout.write(
            f"router v{model.version}: {model.training_rows} rows, {len(model.labels)} categories, "
            f"{m['folds']}-fold cross-validated macro-F1 {m['macro_f1']:.4f} "
            f"(accuracy {m['accuracy']:.4f}), trained in {m['training_seconds']} s"
        )
        for label, f1 in m["per_class_f1"].items():
            self.stdout.write(f"  {label}: F1 {f1:.4f}")
        self.stdout.write("active" if model.is_active else "stored, not active")
