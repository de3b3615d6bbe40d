"""Admin: model versions (metrics, plot, serving switch) and training runs (retrain, live progress).

Training owns every run; the tables stay in the recommender app (their admin URLs and templates
keep its label). The Retrain form lists every kind of the registry (recommender/kinds.py).
"""

from __future__ import annotations

import base64
import json

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from recommender.kinds import KINDS, kind_choices
from recommender.models import ModelVersion, TrainingRun
from training.services.runs import model_version_serve, training_run_create


def _pretty(value) -> str:
    return format_html("<pre style='margin:0'>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "is_serving", "validation_ndcg", "created_at", "promoted_at"]
    list_filter = ["kind", "is_serving"]
    search_fields = ["=id", "kind"]
    readonly_fields = ["kind", "is_serving", "artifact_dir", "parameters_view", "metrics_view", "plot",
                       "created_at", "promoted_at"]  # fmt: skip
    exclude = ["parameters", "metrics"]
    actions = ["retrain", "serve"]

    def has_add_permission(self, request) -> bool:
        return False  # versions come from training runs

    @admin.display(description="NDCG@10 (validation)")
    def validation_ndcg(self, version: ModelVersion):
        value = version.metrics.get("validation", {}).get("ndcg")
        return f"{value:.4f}" if value is not None else "-"

    @admin.display(description="parameters")
    def parameters_view(self, version: ModelVersion):
        return _pretty(version.parameters)

    @admin.display(description="metrics and protocol")
    def metrics_view(self, version: ModelVersion):
        return _pretty(version.metrics)

    @admin.display(description="plot")
    def plot(self, version: ModelVersion):
        if not version.plot_png:
            return "-"
        data = base64.b64encode(bytes(version.plot_png)).decode()
        return format_html('<img alt="validation metrics" style="max-width:100%" src="data:image/png;base64,{}">', data)

    # Both actions change what serves or start work: staff who may only view get neither.
    @admin.action(description="Retrain these kinds with the same parameters", permissions=["change"])
    def retrain(self, request, queryset):
        for version in queryset:
            try:
                run = training_run_create(kind=version.kind, parameters=version.parameters, requested_by=request.user)
            except ValueError as exc:  # a kind no longer registered, or parameters it no longer takes
                self.message_user(request, f"{version}: {exc}", messages.ERROR)
                continue
            self.message_user(request, f"Queued {run}.")

    @admin.action(description="Serve the selected version (roll back or forward, no gate)", permissions=["change"])
    def serve(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one version to serve.", messages.ERROR)
            return
        version = queryset.get()
        try:
            model_version_serve(version=version)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        # An explicit override of the gate: recorded in the admin's history with who did it.
        self.log_change(request, version, f"Served by {request.user} from the admin (explicit roll back or forward, "
                                          "without the promotion gate).")  # fmt: skip
        self.message_user(request, f"{version} now serves; what depends on it is being refreshed.")


class RetrainForm(forms.Form):
    kind = forms.ChoiceField(choices=kind_choices)  # read at form creation: every registered kind
    parameters = forms.JSONField(
        required=False, initial=dict, help_text='overrides of the defaults, e.g. {"lam": 250}; empty for defaults'
    )

    def clean(self):
        data = super().clean()
        parameters = data.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise forms.ValidationError("parameters must be a JSON object")
        defaults = KINDS[data["kind"]].defaults if data.get("kind") in KINDS else {}
        unknown = set(parameters) - set(defaults)
        if unknown:
            known = ", ".join(sorted(defaults)) or "none"
            raise forms.ValidationError(f"unknown parameter(s) {sorted(unknown)}; {data['kind']} takes: {known}")
        data["parameters"] = parameters
        return data


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "progress_bar", "promoted", "created_at", "finished_at"]
    list_filter = ["kind", "status", "promoted"]
    search_fields = ["=id", "kind"]
    readonly_fields = ["kind", "status", "progress_bar", "parameters_view", "metrics_view", "log", "model_version",
                       "promoted", "requested_by", "worker", "created_at", "started_at", "heartbeat_at",
                       "finished_at"]  # fmt: skip
    exclude = ["parameters", "metrics", "log_tail", "progress"]
    change_form_template = "admin/recommender/trainingrun/change_form.html"
    change_list_template = "admin/recommender/trainingrun/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False  # runs are created by the Retrain form, `manage.py train` or celery beat

    @admin.display(description="progress")
    def progress_bar(self, run: TrainingRun):
        return format_html('<progress max="100" value="{0}">{0}%</progress> {0}%', run.progress)

    @admin.display(description="parameters")
    def parameters_view(self, run: TrainingRun):
        return _pretty(run.parameters)

    @admin.display(description="metrics")
    def metrics_view(self, run: TrainingRun):
        return _pretty(run.metrics)

    @admin.display(description="log (tail)")
    def log(self, run: TrainingRun):
        return format_html("<pre style='margin:0;white-space:pre-wrap'>{}</pre>", run.log_tail)

    def get_urls(self):
        retrain = path(
            "retrain/", self.admin_site.admin_view(self.retrain_view), name="recommender_trainingrun_retrain"
        )
        return [retrain, *super().get_urls()]

    def retrain_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        form = RetrainForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = training_run_create(kind=form.cleaned_data["kind"], parameters=form.cleaned_data["parameters"],
                                          requested_by=request.user)  # fmt: skip
            except ValueError as exc:  # a value the kind's pipeline refuses (e.g. an unknown re-ranker feature)
                form.add_error("parameters", str(exc))
                return self._retrain_page(request, form)
            self.message_user(request, f"Queued {run}; this page follows its progress.")
            return redirect(reverse("admin:recommender_trainingrun_change", args=[run.pk]))
        return self._retrain_page(request, form)

    def _retrain_page(self, request, form):
        context = {**self.admin_site.each_context(request), "form": form, "title": "Retrain a model",
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/recommender/trainingrun/retrain.html", context)
