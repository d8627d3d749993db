"""The strategy editor's forms: a policy and its steps, a segment, a template, a test send.

Every form is a ``ModelForm``: saving runs the model's own ``clean`` (the
checks the planner and the sender rely on: ``Step.clean``, ``Segment.clean``,
``Template.clean``), so nothing the admin would refuse gets in from here.
Lists that were JSON in the admin are form fields: a step's channels are
selects in order of preference, a segment's tags a comma-separated line, a
WhatsApp template's parameters one select per ``{{n}}``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.channels import CHANNEL_NAMES
from recaudo.policies.models import Policy, Segment, Step, Template
from recaudo.policies.rendering import PLACEHOLDERS

CHANNEL_SLOTS = 4
PARAMETER_SLOTS = 8
LANGUAGES = (("es", "español"), ("pt", "português (Brasil)"), ("en", "English"))


class _Selects(forms.MultiWidget):
    """Several selects read as one ordered list (blanks dropped)."""

    def __init__(self, choices: list[tuple[str, str]], count: int) -> None:
        super().__init__([forms.Select(choices=choices) for _ in range(count)])

    def decompress(self, value: Any) -> list[str]:
        values = list(value or [])
        return values + [""] * (len(self.widgets) - len(values))


class OrderedChoicesField(forms.MultiValueField):
    def __init__(self, choices: list[tuple[str, str]], count: int, **kwargs: Any) -> None:
        fields = [forms.ChoiceField(choices=choices, required=False) for _ in range(count)]
        kwargs.setdefault("required", False)
        super().__init__(
            fields, widget=_Selects(choices, count), require_all_fields=False, **kwargs
        )

    def compress(self, data_list: list[str]) -> list[str]:
        values = list(data_list or [])
        while values and not values[-1]:
            values.pop()
        return values


class ParametersField(OrderedChoicesField):
    """{{1}}, {{2}}…: a blank in the middle is an error (Meta numbers them without gaps)."""

    def compress(self, data_list: list[str]) -> list[str]:
        values = super().compress(data_list)
        if "" in values:
            raise forms.ValidationError(
                _("El parámetro {{%(position)s}} está vacío y hay otros después.")
                % {"position": values.index("") + 1}
            )
        return values


class TagsField(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [tag.strip() for tag in text.split(",") if tag.strip()]


class LinesField(forms.CharField):
    """A list of texts, one per line (WhatsApp's quick-reply payloads, in the buttons' order).

    Only split here: the model's ``clean`` judges the list (how many, how long)
    and its error is shown on this field.
    """

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(str(item) for item in value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ("name", "description", "register", "place_new_debts", "active")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class StepForm(forms.ModelForm):
    channels = OrderedChoicesField(
        [("", "—"), *((name, name) for name in CHANNEL_NAMES)],
        CHANNEL_SLOTS,
        label=gettext_lazy("Canales en orden de preferencia"),
    )

    class Meta:
        model = Step
        fields = (
            "offset_days",
            "action",
            "channels",
            "template_key",
            "tone",
            "stage",
            "repeat_every_days",
            "repeat_from",
            "repeat_until_days",
        )
        widgets = {"template_key": forms.TextInput(attrs={"list": "template-keys"})}

    def __init__(self, *args: Any, template_keys: frozenset[str] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.template_keys = template_keys

    def clean_template_key(self) -> str:
        key = str(self.cleaned_data.get("template_key") or "")
        if key and self.template_keys and key not in self.template_keys:
            raise forms.ValidationError(
                _("No hay ninguna plantilla «%(key)s» para este acreedor.") % {"key": key}
            )
        return key


class BaseStepFormSet(BaseInlineFormSet):
    def __init__(self, *args: Any, template_keys: frozenset[str] = frozenset(), **kwargs: Any):
        self.template_keys = template_keys
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "template_keys": self.template_keys}

    def clean(self) -> None:
        """Two steps on one day with one action (the table allows one): named, in words."""
        seen: dict[tuple[int, str], int] = {}
        for number, form in enumerate(self.forms, start=1):
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or data.get("offset_days") is None:
                continue
            key = (data["offset_days"], data.get("action", ""))
            if key in seen:
                raise forms.ValidationError(
                    _("Los pasos %(first)s y %(second)s son del mismo día (%(day)s) con la misma "
                      "acción: cambie el día o la acción de uno.")
                    % {"first": seen[key], "second": number, "day": key[0]}
                )  # fmt: skip
            seen[key] = number
        super().clean()

    def problems(self) -> list[str]:
        """Every error as «Paso N (día D) · campo: mensaje»."""
        found = [str(error) for error in self.non_form_errors()]
        for number, form in enumerate(self.forms, start=1):
            if not form.errors:
                continue
            day = form.data.get(form.add_prefix("offset_days"), "")
            where = _("Paso %(number)s (día %(day)s)") % {"number": number, "day": day or "?"}
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else _("paso")
                for error in errors:
                    found.append(f"{where} · {label}: {error}")
        return found


StepFormSet: type[BaseStepFormSet] = inlineformset_factory(  # type: ignore[assignment]
    Policy, Step, form=StepForm, formset=BaseStepFormSet, extra=1, can_delete=True
)


class SegmentForm(forms.ModelForm):
    tags_any = TagsField(
        label=gettext_lazy("Con alguna etiqueta"),
        required=False,
        help_text=gettext_lazy("Separadas por comas, por ejemplo: vip, corporativo."),
    )

    class Meta:
        model = Segment
        fields = (
            "name",
            "position",
            "is_default",
            "policy",
            "debtor_kind",
            "min_days_past_due",
            "max_days_past_due",
            "min_balance",
            "max_balance",
            "currency",
            "country",
            "tags_any",
            "risk_band",
            "max_instalments",
            "min_down_payment_percent",
            "max_discount_percent",
            "max_extension_days",
        )

    def __init__(self, *args: Any, creditor_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creditor_id is not None:
            self.instance.creditor_id = creditor_id
        policies = Policy.objects.filter(creditor_id=self.instance.creditor_id)
        if self.instance.creditor_id is None:
            policies = Policy.objects.filter(creditor__isnull=True)
        policy_field = self.fields["policy"]
        assert isinstance(policy_field, forms.ModelChoiceField)
        policy_field.queryset = policies


class TemplateForm(forms.ModelForm):
    language = forms.ChoiceField(label=gettext_lazy("Idioma"), choices=LANGUAGES)
    whatsapp_parameters = ParametersField(
        [("", "—"), *((name, name) for name in PLACEHOLDERS if name != "deudas")],
        PARAMETER_SLOTS,
        label=gettext_lazy("Parámetros de la plantilla de WhatsApp"),
    )
    whatsapp_quick_replies = LinesField(
        label=gettext_lazy("Respuestas rápidas de la plantilla de WhatsApp"),
        required=False,
        help_text=gettext_lazy(
            "Una por línea, en el orden de los botones de la plantilla aprobada: el "
            "identificador que vuelve al tocarlo (pay: Pagar, agent: Hablar con un asesor, "
            "paid: Ya pagué)."
        ),
    )

    class Meta:
        model = Template
        fields = (
            "language",
            "register",
            "tone",
            "subject",
            "body",
            "whatsapp_template_name",
            "whatsapp_template_language",
            "whatsapp_parameters",
            "whatsapp_quick_replies",
            "attach_statement",
        )
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.instance.channel
        # What the channel cannot carry is not offered: quick replies are WhatsApp's
        # buttons; the statement goes with an email or a WhatsApp message only.
        if channel != "whatsapp":
            del self.fields["whatsapp_quick_replies"]
        if channel not in ("whatsapp", "email"):
            del self.fields["attach_statement"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        template = self.instance
        taken = Template.objects.filter(
            creditor_id=template.creditor_id,
            key=template.key,
            channel=template.channel,
            language=data.get("language", template.language),
            register=data.get("register", template.register),
        ).exclude(pk=template.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Ya hay una versión de esta plantilla en ese idioma y trato: ábrala y edítela.")
            )
        return data


class TestSendForm(forms.Form):
    to = forms.CharField(
        label=gettext_lazy("Número o correo del sandbox"),
        max_length=200,
        help_text=gettext_lazy("Un teléfono +57… o un correo de prueba; nunca el de un deudor."),
    )
    country = forms.CharField(label=gettext_lazy("País del deudor de ejemplo"), max_length=2)
