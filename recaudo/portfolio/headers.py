"""The header names a file's columns may have, in Spanish, Portuguese or English.

One table per kind of file: canonical field -> accepted spellings, written as
``header_key`` leaves a header (lower case, no accents, words joined by "_",
connectors such as "de" left out). docs/importing.md lists the same table;
``tests/portfolio/test_headers.py`` fails when the two differ.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext

# canonical field -> accepted header spellings (normalised: lower case, no
# accents, words joined by "_"). The canonical name is always accepted.
DEBTOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "debtor_external_id": (
        "debtor_id",
        "customer_id",
        "client_id",
        "id_deudor",
        "deudor_id",
        "id_cliente",
        "cliente_id",
        "codigo_cliente",
        "numero_cliente",
        "id_devedor",
        "codigo_devedor",
    ),
    "full_name": (
        "name",
        "debtor_name",
        "customer_name",
        "nombre",
        "nombre_completo",
        "razon_social",
        "nombre_deudor",
        "nombre_cliente",
        "nome",
        "nome_completo",
        "nome_devedor",
        "nome_cliente",
    ),
    "first_name": (
        "greeting_name",
        "nombre_saludo",
        "nombre_pila",
        "primer_nombre",
        "primeiro_nome",
    ),
    "kind": ("type", "debtor_type", "tipo", "tipo_deudor", "tipo_cliente", "tipo_persona"),
    "national_id_type": (
        "id_type",
        "document_type",
        "tipo_documento",
        "tipo_doc",
        "tipo_identificacion",
        "tipo_documento_identidad",
    ),
    "national_id_number": (
        "id_number",
        "national_id",
        "document_number",
        "documento",
        "numero_documento",
        "identificacion",
        "numero_identificacion",
        "cedula",
        "rut",
        "dni",
        "curp",
        "rfc",
        "cpf",
        "cnpj",
        "cuit",
        "cuil",
        "nit",
        "ruc",
    ),
    "country": ("pais",),
    "timezone": ("time_zone", "zona_horaria", "fuso_horario"),
    "region": (
        "state",
        "province",
        "region",
        "departamento",
        "provincia",
        "comunidad",
        "comunidad_autonoma",
        "uf",
        "estado_federal",
    ),
    "language": ("lang", "idioma", "lingua"),
    "tags": ("etiquetas", "marcadores"),
    "phone": (
        "mobile",
        "cell",
        "phone_number",
        "telefono",
        "celular",
        "movil",
        "telefono_movil",
        "numero_celular",
        "telefone",
        "numero_telefone",
    ),
    "email": (
        "e_mail",
        "mail",
        "email_address",
        "correo",
        "correo_electronico",
        "correio_eletronico",
    ),
    "consent": (
        "consent_channels",
        "consentimiento",
        "canales_autorizados",
        "autorizacion_canales",
        "consentimento",
        "canais_autorizados",
    ),
    "whatsapp_opt_in": (
        "opt_in_whatsapp",
        "acepta_whatsapp",
        "consentimiento_whatsapp",
        "aceita_whatsapp",
    ),
}

DEBT_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "debt_id",
        "debt_external_id",
        "id",
        "id_deuda",
        "deuda_id",
        "id_externo",
        "codigo_deuda",
        "numero_deuda",
        "numero_operacion",
        "operacion",
        "id_divida",
        "codigo_divida",
        "numero_contrato",
    ),
    "invoice_number": (
        "invoice",
        "invoice_no",
        "factura",
        "numero_factura",
        "no_factura",
        "folio",
        "numero_documento_cobro",
        "fatura",
        "numero_fatura",
        "nota_fiscal",
    ),
    "description": ("concept", "descripcion", "concepto", "detalle", "descricao"),
    "currency": ("moneda", "divisa", "moeda"),
    "amount": (
        "amount_due",
        "monto",
        "importe",
        "valor",
        "total",
        "saldo",
        "monto_adeudado",
        "valor_devido",
    ),
    "issued_on": (
        "issue_date",
        "issued",
        "invoice_date",
        "fecha_emision",
        "emision",
        "fecha_factura",
        "data_emissao",
        "emissao",
    ),
    "due_on": (
        "due_date",
        "due",
        "fecha_vencimiento",
        "vencimiento",
        "fecha_limite_pago",
        "data_vencimento",
        "vencimento",
        "vence",
    ),
    "status": ("estado", "situacao"),
    **{name: aliases for name, aliases in DEBTOR_COLUMNS.items()},
}

PAYMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "payment_id",
        "id",
        "id_pago",
        "pago_id",
        "transaction_id",
        "id_transaccion",
        "referencia_pago",
        "id_externo",
        "id_pagamento",
    ),
    "debtor_external_id": DEBTOR_COLUMNS["debtor_external_id"],
    "debt_external_id": (
        "debt_id",
        "id_deuda",
        "deuda_id",
        "invoice",
        "factura",
        "id_divida",
        "fatura",
    ),
    # The debtor's payment reference (recaudo/portfolio/references.py), in place of
    # their id: what a bank statement carries. "referencia_pago" stays the payment's id.
    "reference": (
        "referencia",
        "referencia_deudor",
        "referencia_bancaria",
        "convenio",
        "payment_reference",
        "bank_reference",
    ),
    "amount": ("monto", "importe", "valor", "total", "valor_pago", "monto_pagado", "valor_pagado"),
    "currency": ("moneda", "divisa", "moeda"),
    "paid_at": (
        "paid_on",
        "payment_date",
        "date",
        "fecha_pago",
        "fecha",
        "pagado",
        "data_pagamento",
        "data",
        "pago_em",
    ),
    "method": (
        "payment_method",
        "medio_pago",
        "metodo_pago",
        "forma_pago",
        "medio",
        "forma_pagamento",
        "meio_pagamento",
    ),
}

DEBTORS_FILE_COLUMNS: dict[str, tuple[str, ...]] = {
    **DEBTOR_COLUMNS,
    "debtor_external_id": (
        *DEBTOR_COLUMNS["debtor_external_id"],
        "external_id",
        "id",
        "id_externo",
    ),
}

REQUIRED = {
    "debtors": ("debtor_external_id", "full_name"),
    "debts": ("external_id", "debtor_external_id", "amount", "due_on"),
    "payments": ("external_id", "amount", "paid_at"),
}
COLUMNS = {"debtors": DEBTORS_FILE_COLUMNS, "debts": DEBT_COLUMNS, "payments": PAYMENT_COLUMNS}


def normalise_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# Little words a header may carry or not: "Fecha de vencimiento" is "fecha_vencimiento",
# "Data de vencimento" "data_vencimento", "Date of issue" "date_issue".
_CONNECTORS = frozenset(
    {"de", "del", "la", "el", "los", "las", "do", "da", "dos", "das", "of", "the"}
)


def header_key(name: str) -> str:
    """How a header is looked up among the aliases: case, accents, spaces and connectors aside."""
    words = normalise_header(name).split("_")
    kept = [word for word in words if word not in _CONNECTORS]
    return "_".join(kept or words)


def field_for_header(kind: str, name: str) -> str | None:
    """The canonical field a header names in a ``kind`` file, or None."""
    return _lookup(kind).get(header_key(name))


def _lookup(kind: str) -> dict[str, str]:
    spec = COLUMNS[kind]
    lookup = {name: name for name in spec}
    for canonical, aliases in spec.items():
        for alias in aliases:
            lookup.setdefault(alias, canonical)
    return lookup


class HeaderProblem(Exception):
    """What is wrong with a header. ``positions`` is set when the rows can still be checked.

    A column that is unknown, unnamed or repeated is left out and the rows are
    checked without it, so one pass shows every error; a missing required
    column would only repeat itself on every row, so it stops the check.
    """

    def __init__(self, errors: list[str], positions: dict[str, int] | None = None):
        super().__init__("; ".join(errors))
        self.errors = errors
        self.positions = positions


def map_header(kind: str, header: list[str]) -> dict[str, int]:
    """Column index per canonical field; every problem with the header at once."""
    spec = COLUMNS[kind]
    lookup = _lookup(kind)
    positions: dict[str, int] = {}
    errors = []
    for index, raw in enumerate(header):
        key = header_key(raw)
        if not key:
            errors.append(gettext("columna %(number)s: no tiene nombre") % {"number": index + 1})
            continue
        name = lookup.get(key)
        if name is None:
            errors.append(
                gettext("%(column)s: columna desconocida (se conocen: %(known)s)")
                % {"column": raw, "known": ", ".join(sorted(spec))}
            )
        elif name in positions:
            errors.append(
                gettext("%(column)s: significa lo mismo que la columna '%(other)s'")
                % {"column": raw, "other": header[positions[name]]}
            )
        else:
            positions[name] = index
    missing = [name for name in REQUIRED[kind] if name not in positions]
    for name in missing:
        errors.append(gettext("%(column)s: falta esta columna obligatoria") % {"column": name})
    if errors:
        raise HeaderProblem(errors, None if missing else positions)
    return positions


def map_columns(kind: str, header: list[str], mapping: list[str]) -> dict[str, int]:
    """Column index per canonical field, as a person chose it: ``mapping[i]`` is the
    field the file's column ``i`` holds, or "" to leave the column out.

    The same problems as ``map_header``, at once: a field chosen twice, an unknown
    field, a required field no column holds.
    """
    spec = COLUMNS[kind]
    positions: dict[str, int] = {}
    errors = []
    for index, raw in enumerate(header):
        name = mapping[index] if index < len(mapping) else ""
        if not name:
            continue
        label = raw or gettext("columna %(number)s") % {"number": index + 1}
        if name not in spec:
            errors.append(
                gettext("%(column)s: '%(field)s' no es un campo de este archivo")
                % {"column": label, "field": name}
            )
        elif name in positions:
            errors.append(
                gettext("%(column)s: significa lo mismo que la columna '%(other)s'")
                % {"column": label, "other": header[positions[name]]}
            )
        else:
            positions[name] = index
    missing = [name for name in REQUIRED[kind] if name not in positions]
    for name in missing:
        errors.append(gettext("%(column)s: falta esta columna obligatoria") % {"column": name})
    if errors:
        raise HeaderProblem(errors, None)
    return positions
