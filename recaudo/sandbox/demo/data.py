"""Word lists and creditor profiles for ``recaudo seed``: plain data, no logic.

Names are common given names and surnames of each country, so that screens,
templates and search look like a real Latin American portfolio. Brands are
invented; every e-mail domain is under the reserved ``.example`` TLD (RFC 2606)
so that a demo can never write to a real person.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


def _words(text: str) -> tuple[str, ...]:
    """Space-separated words; an underscore joins words that belong together."""
    return tuple(word.replace("_", " ") for word in text.split())


MONTHS_ES = _words(
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
MONTHS_PT = _words(
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro"
)


@dataclass(frozen=True)
class Names:
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]


NAMES = {
    "MX": Names(
        _words(
            "José Juan Luis Carlos Jorge Miguel Alejandro Francisco Fernando Ricardo "
            "Eduardo Roberto Javier Arturo Sergio Raúl Héctor Daniel Diego Emiliano"
        ),
        _words(
            "María Guadalupe Juana Verónica Alejandra Gabriela Leticia Adriana Patricia Rosa "
            "Fernanda Ximena Daniela Sofía Valeria Mariana Claudia Elizabeth Itzel Lucía"
        ),
        _words(
            "Hernández García Martínez López González Pérez Rodríguez Sánchez Ramírez Cruz "
            "Flores Gómez Morales Vázquez Reyes Jiménez Torres Díaz Gutiérrez Ruiz Mendoza "
            "Aguilar Ortiz Castillo Moreno Romero Álvarez Chávez Rivera Juárez"
        ),
    ),
    "CO": Names(
        _words(
            "Andrés Santiago Sebastián Felipe Carlos Jhon Óscar Julián Mauricio Jairo "
            "Hernán Luis Diego Alejandro Camilo Esteban Nicolás Wilson Fabio Juan"
        ),
        _words(
            "Paola Natalia Diana Sandra Catalina Marcela Carolina Andrea Lina Yuliana "
            "Luisa Angélica Johana Viviana Laura Valentina Liliana Gloria Mónica Luz"
        ),
        _words(
            "Rodríguez Gómez González Martínez García López Hernández Sánchez Ramírez Pérez "
            "Díaz Muñoz Rojas Moreno Jiménez Vargas Castro Ortiz Gutiérrez Osorio Ospina "
            "Restrepo Cardona Zapata Arango Quintero Valencia Londoño Giraldo Bermúdez"
        ),
    ),
    "CL": Names(
        _words(
            "Juan José Luis Cristián Rodrigo Francisco Felipe Matías Benjamín Vicente "
            "Sebastián Patricio Claudio Gonzalo Mauricio Marcelo Ignacio Tomás Pablo Álvaro"
        ),
        _words(
            "Camila Javiera Francisca Constanza Valentina Catalina Fernanda Daniela Carolina "
            "Paulina Macarena Carla Isidora Antonia Josefa Marcela Claudia Alejandra Paz Bárbara"
        ),
        _words(
            "González Muñoz Rojas Díaz Pérez Soto Contreras Silva Martínez Sepúlveda Morales "
            "Rodríguez López Fuentes Hernández Torres Araya Flores Espinoza Valenzuela "
            "Castillo Tapia Reyes Gutiérrez Castro Pizarro Álvarez Vásquez Sánchez Fernández"
        ),
    ),
    "PE": Names(
        _words(
            "José Luis Jorge Carlos Juan César Víctor Miguel Renzo Piero "
            "Diego Alonso Raúl Manuel Walter Percy Edwin Fernando Rodrigo Martín"
        ),
        _words(
            "María Rosa Carmen Flor Milagros Lucía Ana Karina Ruth Gladys "
            "Fiorella Kiara Lizbeth Jimena Mariela Patricia Sofía Yesenia Elena Vanessa"
        ),
        _words(
            "Quispe Flores Sánchez Rodríguez García Rojas Mamani Huamán Vásquez Chávez "
            "Ramírez Torres Mendoza Díaz Castillo Gutiérrez Espinoza Ramos Cruz Vargas "
            "Condori Salazar Castro Romero Paredes Cáceres Córdova Villanueva Huanca Ríos"
        ),
    ),
    "AR": Names(
        _words(
            "Juan Martín Lucas Mateo Santiago Nicolás Facundo Agustín Gonzalo Matías "
            "Federico Diego Hernán Pablo Sergio Marcelo Gustavo Leandro Ezequiel Ramiro"
        ),
        _words(
            "María Sofía Lucía Florencia Agustina Camila Micaela Valentina Julieta Milagros "
            "Carolina Romina Silvina Lorena Natalia Paula Victoria Belén Rocío Gisela"
        ),
        _words(
            "González Rodríguez Gómez Fernández López Díaz Martínez Pérez García Sánchez "
            "Romero Sosa Álvarez Torres Ruiz Ramírez Flores Acosta Benítez Medina Suárez "
            "Herrera Aguirre Giménez Gutiérrez Pereyra Rossi Russo Romano Ferreyra"
        ),
    ),
    "BR": Names(
        _words(
            "João José Pedro Lucas Gabriel Rafael Gustavo Felipe Bruno Thiago "
            "Rodrigo Marcelo André Carlos Paulo Vinícius Matheus Leonardo Eduardo Diego"
        ),
        _words(
            "Maria Ana Juliana Fernanda Camila Beatriz Larissa Aline Patrícia Mariana "
            "Letícia Amanda Bruna Gabriela Vanessa Renata Luana Carolina Jéssica Tatiane"
        ),
        _words(
            "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
            "Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha "
            "Dias Nascimento Andrade Moreira Nunes Marques Machado Mendes Freitas"
        ),
    ),
}

# Business kinds and proper names that read well together in any order.
COMPANY_KINDS_ES = _words(
    "Ferretería Distribuidora Comercializadora Transportes Panadería Constructora "
    "Inversiones Papelería Farmacia Taller_Mecánico Restaurante Librería Lavandería "
    "Importadora Agroindustrias Servicios_Integrales Materiales_Eléctricos Autopartes"
)
COMPANY_KINDS_PT = _words(
    "Comércio_de_Materiais_de_Construção Distribuidora Transportadora Padaria Mercearia "
    "Construtora Auto_Peças Farmácia Papelaria Restaurante Oficina_Mecânica Lanchonete"
)
COMPANY_NAMES = {
    "MX": _words(
        "El_Tornillo La_Esperanza San_José El_Progreso Don_Pepe Los_Pinos El_Sol "
        "La_Estrella Azteca del_Bajío Cuauhtémoc Santa_Fe"
    ),
    "CO": _words(
        "El_Tornillo La_Esperanza San_José El_Progreso Los_Andes del_Valle El_Cafetal "
        "La_Sabana Santa_Marta El_Dorado La_Candelaria Monserrate"
    ),
    "CL": _words(
        "El_Tornillo La_Esperanza San_José El_Progreso Cordillera del_Sur Los_Aromos "
        "Lautaro Valparaíso El_Roble La_Frontera Austral"
    ),
    "PE": _words(
        "El_Tornillo La_Esperanza San_José El_Progreso Los_Andes Inca del_Rímac "
        "Huascarán Santa_Rosa El_Cóndor Chavín Miraflores"
    ),
    "AR": _words(
        "El_Tornillo La_Esperanza San_José El_Progreso Pampa del_Plata Patagonia "
        "El_Ombú Los_Andes Don_Bosco Malvinas El_Hornero"
    ),
    "BR": _words(
        "Boa_Vista São_Jorge Primavera Estrela Nova_Era Santa_Clara Ipê Horizonte "
        "Bandeirantes Aurora Pioneira Vitória"
    ),
}
# The legal forms a small business actually uses in each country.
LEGAL_SUFFIXES = {
    "MX": ("S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V."),
    "CO": ("S.A.S.", "S.A.S.", "Ltda.", "S.A."),
    "CL": ("SpA", "Ltda.", "S.A.", "E.I.R.L."),
    "PE": ("S.A.C.", "E.I.R.L.", "S.R.L.", "S.A."),
    "AR": ("S.R.L.", "S.A.", "S.A.S."),
    "BR": ("Ltda.", "Ltda.", "S.A.", "ME"),
}
PERSON_EMAIL_DOMAINS = {
    "BR": ("exemplo.example", "correio.example", "email.example"),
    "default": ("correo.example", "ejemplo.example", "buzon.example", "email.example"),
}
COMPANY_MAILBOXES = {
    "BR": ("financeiro", "contato", "pagamentos"),
    "default": ("pagos", "administracion", "contabilidad", "facturacion"),
}
# Leading digits of the national mobile number, for realistic variety of area
# codes (and so of time zones: Tijuana, Mazatlán, Cancún, Manaus, Cuiabá).
MOBILE_PREFIXES = {
    "MX": ("55", "55", "33", "81", "222", "442", "664", "999", "477", "614", "998"),
    "CO": ("300", "301", "304", "310", "311", "312", "313", "315", "316", "317", "318", "320"),
    "CL": ("9",),
    "PE": ("9",),
    "AR": ("911", "911", "9351", "9341", "9261", "9381", "9223"),
    "BR": ("119", "119", "219", "319", "419", "519", "619", "719", "859", "929", "659"),
}
PAYMENT_METHODS = {
    "MX": ("OXXO", "SPEI", "tarjeta"),
    "CO": ("PSE", "Efecty", "Nequi"),
    "CL": ("Webpay", "transferencia", "Servipag"),
    "PE": ("Yape", "PagoEfectivo", "agencia bancaria"),
    "AR": ("Mercado Pago", "Rapipago", "Pago Fácil"),
    "BR": ("Pix", "boleto", "cartão"),
}
MEXICAN_STATES = _words("AS BC CH DF GT JC MC MN NL PL QT SL VZ YN")
CHILEAN_STORES = ("Providencia", "Maipú", "Concepción", "Viña del Mar", "Temuco", "online")


@dataclass(frozen=True)
class Product:
    """Something a creditor bills, as a description template and a price range.

    The template may use {mes} (month of issue), {periodo} (the month before,
    as MM/YYYY: utilities bill last month's consumption), {anio}, {cuota},
    {plazo} (numbered installments), {prestamo} (a loan number) and {unidades}.
    """

    description: str
    low: Decimal
    high: Decimal
    step: Decimal = Decimal(1)
    fixed: bool = True  # the same amount every period (plans, installments)
    installments: int = 0  # numbered "cuota n de plazo" when > 0
    ending: Decimal = Decimal(0)  # subtracted from the price: 49.990, 89,90
    units: tuple[int, int] | None = None  # amount = low x units (lines of a plan)


def _d(text: str) -> Decimal:
    return Decimal(text)


@dataclass(frozen=True)
class CreditorProfile:
    country: str
    currency: str
    name: str
    legal_name: str
    support_mailbox: str
    invoice_format: str  # str.format with {n} (a running number) and {serie}
    payment_grain: Decimal  # partial payments are multiples of this
    person_products: tuple[Product, ...]
    company_products: tuple[Product, ...]


PROFILES = (
    CreditorProfile(
        "MX",
        "MXN",
        "Conecta Móvil",
        "Conecta Móvil Telecomunicaciones S.A. de C.V.",
        "soporte@conectamovil.example",
        "A-{n:07d}",
        _d("50"),
        (
            Product("Plan Móvil 5GB - {mes}", _d("199"), _d("199")),
            Product("Plan Móvil 20GB - {mes}", _d("349"), _d("349")),
            Product("Plan Móvil Ilimitado - {mes}", _d("599"), _d("599")),
            Product("Plan Móvil Ilimitado Plus - {mes}", _d("799"), _d("799")),
            Product(
                "Equipo a plazos, mensualidad {cuota} de {plazo}",
                _d("450"),
                _d("1800"),
                _d("0.50"),
                installments=18,
            ),
        ),
        (
            Product(
                "Plan Empresarial {unidades} líneas - {mes}", _d("349"), _d("349"), units=(3, 35)
            ),
        ),
    ),
    CreditorProfile(
        "CO",
        "COP",
        "Energía del Valle",
        "Empresa de Energía del Valle S.A. E.S.P.",
        "servicioalcliente@energiadelvalle.example",
        "FE-{n:08d}",
        _d("10000"),
        (
            Product(
                "Consumo de energía período {periodo}",
                _d("45000"),
                _d("480000"),
                _d("1000"),
                fixed=False,
            ),
            Product(
                "Acuerdo de pago, cuota {cuota} de {plazo}",
                _d("60000"),
                _d("250000"),
                _d("1000"),
                installments=12,
            ),
        ),
        (
            Product(
                "Consumo de energía comercial período {periodo}",
                _d("600000"),
                _d("9500000"),
                _d("1000"),
                fixed=False,
            ),
        ),
    ),
    CreditorProfile(
        "CL",
        "CLP",
        "Tiendas Cordillera",
        "Comercial Cordillera S.A.",
        "ayuda@tiendascordillera.example",
        "B-{n:07d}",
        _d("5000"),
        (
            Product(
                "Compra en cuotas, Tienda {tienda}, cuota {cuota} de {plazo}",
                _d("20000"),
                _d("250000"),
                _d("10000"),
                installments=12,
                ending=_d("10"),
            ),
            Product(
                "Avance en efectivo, cuota {cuota} de {plazo}",
                _d("30000"),
                _d("180000"),
                _d("10000"),
                installments=24,
                ending=_d("10"),
            ),
        ),
        (
            Product(
                "Crédito empresas, cuota {cuota} de {plazo}",
                _d("150000"),
                _d("2500000"),
                _d("10000"),
                installments=24,
            ),
        ),
    ),
    CreditorProfile(
        "PE",
        "PEN",
        "Presta Ya",
        "Financiera Presta Ya S.A.",
        "atencion@prestaya.example",
        "{serie}001-{n:08d}",
        _d("10"),
        (
            Product(
                "Préstamo personal N.º {prestamo}, cuota {cuota} de {plazo}",
                _d("150"),
                _d("1800"),
                _d("0.01"),
                installments=24,
            ),
            Product(
                "Préstamo por convenio N.º {prestamo}, cuota {cuota} de {plazo}",
                _d("120"),
                _d("950"),
                _d("0.01"),
                installments=36,
            ),
        ),
        (
            Product(
                "Préstamo capital de trabajo N.º {prestamo}, cuota {cuota} de {plazo}",
                _d("1200"),
                _d("15000"),
                _d("0.01"),
                installments=18,
            ),
        ),
    ),
    CreditorProfile(
        "AR",
        "ARS",
        "Pampa Fibra",
        "Pampa Fibra Telecomunicaciones S.R.L.",
        "soporte@pampafibra.example",
        "0003-{n:08d}",
        _d("1000"),
        (
            Product("Abono Fibra 100 Mb - {mes} {anio}", _d("24999"), _d("24999")),
            Product("Abono Fibra 300 Mb - {mes} {anio}", _d("31500"), _d("31500")),
            Product("Abono Fibra 600 Mb - {mes} {anio}", _d("42000"), _d("42000")),
            Product("Abono Fibra 1000 Mb + TV - {mes} {anio}", _d("58900"), _d("58900")),
        ),
        (
            Product(
                "Abono Fibra Empresas {unidades}00 Mb simétrico - {mes} {anio}",
                _d("95000"),
                _d("95000"),
                units=(1, 4),
            ),
        ),
    ),
    CreditorProfile(
        "BR",
        "BRL",
        "Pagali",
        "Pagali Instituição de Pagamento S.A.",
        "suporte@pagali.example",
        "FAT-{n:08d}",
        _d("10"),
        (
            Product(
                "Fatura do cartão - {mes}/{anio}", _d("90"), _d("4500"), _d("0.01"), fixed=False
            ),
            Product(
                "Parcela {cuota}/{plazo} - Empréstimo pessoal",
                _d("150"),
                _d("1200"),
                _d("0.10"),
                installments=12,
            ),
        ),
        (
            Product(
                "Parcela {cuota}/{plazo} - Capital de giro",
                _d("2000"),
                _d("25000"),
                _d("0.01"),
                installments=24,
            ),
            Product(
                "Fatura do cartão empresarial - {mes}/{anio}",
                _d("800"),
                _d("18000"),
                _d("0.01"),
                fixed=False,
            ),
        ),
    ),
)
PROFILE_BY_COUNTRY = {profile.country: profile for profile in PROFILES}
# How the debtors of a multi-creditor seed are spread (a telecom has many more
# small customers than a lender).
COUNTRY_WEIGHTS = {"MX": 25, "CO": 20, "BR": 20, "PE": 12, "AR": 12, "CL": 11}
