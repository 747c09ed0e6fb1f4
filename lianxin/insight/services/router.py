"""Training, storing and activating the category routers (the models that suggest an appeal's
category at intake: insight/router.py; loaded by insight/suggest.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_record
from lianxin.core.errors import InvalidInput
from lianxin.core.transitions import lock

from .. import router
from ..errors import Code
from ..models import RouterModel
from ..suggest import forget_router


def router_model_train(
    *,
    texts: list[str],
    labels: list[str],
    actor: Any = None,
    source: str = "",
    params: dict[str, Any] | None = None,
    folds: int = 5,
    activate: bool = True,
) -> RouterModel:
    """Cross-validate and fit a router, store it as the next version and (by default) make it
    the active one. Invalid data raises InvalidInput and stores nothing."""
    try:
        result = router.train(texts, labels, params=params, folds=folds)
    except router.TrainingError as exc:
        raise InvalidInput(str(exc), code=Code.BAD_TRAINING_DATA) from exc
    data = router.dump(result.pipeline)
    digest = router.sha256_of(data)
    directory = router.models_dir()
    # Written before the row (under a name no row uses yet) and removed if the row is not.
    temp = directory / f".router-{digest[:16]}-{os.getpid()}.tmp"
    temp.write_bytes(data)
    final: Path | None = None
    try:
        with transaction.atomic():
            # Serialise version numbering with other trainings (the active row's lock is not
            # enough when no row exists yet).
            list(RouterModel.objects.select_for_update().values_list("pk", flat=True))
            version = (RouterModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            final = directory / f"router-v{version}-{digest[:12]}.joblib"
            os.replace(temp, final)
            model = RouterModel.objects.create(
                version=version,
                file_name=final.name,
                sha256=digest,
                labels=result.labels,
                training_rows=result.rows,
                metrics=result.metrics,
                params=result.params,
                source=source[:500],
            )
            audit_record(
                actor=actor,
                action="router_train",
                obj=model,
                reason=source[:200],
                data={
                    "version": version,
                    "macro_f1": result.metrics["macro_f1"],
                    "rows": result.rows,
                    "sha256": digest,
                },
            )
            if activate:
                _activate(model, actor=actor)
    except BaseException:
        temp.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return model


def router_model_activate(*, version: int, actor: Any = None) -> RouterModel:
    """Make one stored version the active router (the previous one stays, inactive). The file
    must still match its hash."""
    with transaction.atomic():
        # Versions are unique: the row is found by its version, then locked like any other.
        pk = RouterModel.objects.filter(version=version).values_list("pk", flat=True).first()
        model = lock(
            RouterModel,
            pk or 0,
            missing=_("No router model with version %(v)s.") % {"v": version},
            missing_code=Code.UNKNOWN_ROUTER_VERSION,
        )
        try:
            router.load(router.models_dir() / model.file_name, model.sha256)
        except router.TamperedModel as exc:
            raise InvalidInput(str(exc), code=Code.TAMPERED_ROUTER_MODEL) from exc
        _activate(model, actor=actor)
    return model


def _activate(model: RouterModel, *, actor: Any) -> None:
    previous = RouterModel.objects.select_for_update().filter(is_active=True).exclude(pk=model.pk)
    previous_versions = list(previous.values_list("version", flat=True))
    previous.update(is_active=False)
    if not model.is_active:
        model.is_active = True
        model.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="router_activate",
        obj=model,
        from_state=",".join(map(str, previous_versions)),
        to_state=str(model.version),
        data={"version": model.version},
    )
    transaction.on_commit(forget_router)
