import csv

from django.core.management.base import BaseCommand, CommandError

from lianxin.insight import router
from lianxin.insight.suggest import active_pipeline

from ._io import read_columns

BATCH = 2000


class Command(BaseCommand):
    help = "Classify messages (CSV id,text) with the active router; write CSV id,label,confidence."

    def add_arguments(self, parser):
        parser.add_argument("--in", dest="input", required=True)
        parser.add_argument("--out", dest="output", required=True)
        parser.add_argument("--id-column", default="id")
        parser.add_argument("--text-column", default="text")

    def handle(self, *args, **options):
        active = active_pipeline()
        if active is None:
            raise CommandError(
                "no usable active router: train one with router_train (or its file failed the "
                "hash check; see the log)"
            )
        model, pipeline = active
        ids, texts = read_columns(options["input"], [options["id_column"], options["text_column"]])
        results = []
        for start in range(0, len(texts), BATCH):
            results.extend(router.predict(pipeline, texts[start : start + BATCH]))
        with open(options["output"], "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "label", "confidence"])
            for id_, (label, confidence) in zip(ids, results, strict=True):
                writer.writerow([id_, label, f"{confidence:.4f}"])
        self.stdout.write(f"{len(ids)} messages classified with router v{model.version}")
