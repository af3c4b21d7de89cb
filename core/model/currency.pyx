"""`Currency` and the registry of known currencies (ISO 4217 fiat, common crypto, metals).

A currency is identified by its code. Codes are looked up in one registry per process;
`Currency.register` adds custom ones. Hashes are computed from the code with FNV-1a, so they
are the same in every process whatever ``PYTHONHASHSEED`` is.
"""

from libc.stdint cimport uint8_t, uint64_t

from cpython.unicode cimport PyUnicode_AsUTF8AndSize

from core.model.enums cimport CurrencyType

from core.model import enums as _enums

from core.errors import InvalidTypeError, ValidationError

cdef dict _REGISTRY = {}


cdef uint64_t fnv1a_64(str value):
    """Return the 64-bit FNV-1a hash of the UTF-8 bytes of `value` (process independent)."""
    cdef Py_ssize_t size = 0
    cdef const char* data = PyUnicode_AsUTF8AndSize(value, &size)
    cdef uint64_t h = 0xcbf29ce484222325ULL
    cdef Py_ssize_t i
    for i in range(size):
        h ^= <uint8_t>data[i]
        h *= 0x100000001b3ULL
    return h


cdef class Currency:
    """A currency: code, precision, ISO 4217 number, name and type.

    Parameters
    ----------
    code : str
        The code, 1 to 12 characters without spaces, e.g. ``"USD"``.
    precision : int
        Decimals of amounts in this currency, 0..9.
    iso4217 : int
        The ISO 4217 numeric code, 0 if none.
    name : str
        The full name.
    currency_type : CurrencyType
        FIAT, CRYPTO or COMMODITY_BACKED.

    Raises
    ------
    ValidationError
        If a field is out of range.
    """

    def __init__(self, str code not None, int precision, int iso4217, str name not None,
                 currency_type):
        if not code or len(code) > 12 or any(c.isspace() for c in code):
            raise ValidationError(
                f"Currency: invalid code {code!r}, expected 1-12 characters without spaces"
            )
        if not 0 <= precision <= 9:
            raise ValidationError(
                f"Currency {code}: precision {precision} out of range, expected 0..9"
            )
        if not 0 <= iso4217 <= 999:
            raise ValidationError(
                f"Currency {code}: iso4217 {iso4217} out of range, expected 0..999"
            )
        if (
            not isinstance(currency_type, int)
            or isinstance(currency_type, bool)
            or currency_type not in (1, 2, 3)
        ):
            raise InvalidTypeError(
                f"Currency {code}: currency_type {currency_type!r}, expected a CurrencyType"
            )
        self.code = code
        self.precision = precision
        self.iso4217 = iso4217
        self.name = name
        self.currency_type = <CurrencyType>currency_type
        self._hash = fnv1a_64(code)

    def __reduce__(self):
        return (Currency, (self.code, self.precision, self.iso4217, self.name,
                           _enums.CurrencyType(self.currency_type)))

    def __eq__(self, other):
        if not isinstance(other, Currency):
            return NotImplemented
        return self.code == (<Currency>other).code

    def __hash__(self):
        return <Py_hash_t>(self._hash >> 1)

    def __str__(self):
        return self.code

    def __repr__(self):
        return (
            f"Currency(code={self.code}, precision={self.precision}, iso4217={self.iso4217}, "
            f"name={self.name}, currency_type={_enums.CurrencyType(self.currency_type).name})"
        )

    @staticmethod
    cdef Currency from_str_c(str code):
        return _REGISTRY.get(code)

    @staticmethod
    def from_str(code):
        """Return the registered currency with `code`.

        Raises
        ------
        InvalidTypeError
            If `code` is not a str.
        ValidationError
            If no currency with that code is registered.
        """
        if not isinstance(code, str):
            raise InvalidTypeError(
                f"Currency.code: invalid type {type(code).__name__}, expected str"
            )
        cdef Currency currency = _REGISTRY.get(code)
        if currency is None:
            raise ValidationError(
                f"Currency: unknown code {code!r}, expected a registered currency "
                f"(register custom ones with Currency.register(Currency(...)))"
            )
        return currency

    @staticmethod
    def register(currency, bint overwrite=False):
        """Add `currency` to the registry.

        Registering a currency equal in every attribute to the registered one is a no-op.

        Raises
        ------
        InvalidTypeError
            If `currency` is not a `Currency`.
        ValidationError
            If the code is already registered with other attributes and `overwrite` is False.
        """
        if not isinstance(currency, Currency):
            raise InvalidTypeError(
                f"Currency.register: invalid type {type(currency).__name__}, expected Currency"
            )
        cdef Currency existing = _REGISTRY.get(currency.code)
        if existing is not None and not overwrite and repr(existing) != repr(currency):
            raise ValidationError(
                f"Currency {currency.code}: already registered as {existing!r}; "
                f"pass overwrite=True to replace it"
            )
        _REGISTRY[currency.code] = currency

    @staticmethod
    def is_registered(str code not None):
        """Return whether a currency with `code` is registered."""
        return code in _REGISTRY

    @staticmethod
    def registered_codes():
        """Return the registered codes, sorted."""
        return sorted(_REGISTRY)

    def is_fiat(self):
        return self.currency_type == CurrencyType.FIAT

    def is_crypto(self):
        return self.currency_type == CurrencyType.CRYPTO

    def is_commodity_backed(self):
        return self.currency_type == CurrencyType.COMMODITY_BACKED


# ISO 4217 active codes: (code, numeric, minor units, name).
_FIAT = (
    ("AED", 784, 2, "UAE dirham"), ("AFN", 971, 2, "Afghan afghani"),
    ("ALL", 8, 2, "Albanian lek"), ("AMD", 51, 2, "Armenian dram"),
    ("ANG", 532, 2, "Netherlands Antillean guilder"), ("AOA", 973, 2, "Angolan kwanza"),
    ("ARS", 32, 2, "Argentine peso"), ("AUD", 36, 2, "Australian dollar"),
    ("AWG", 533, 2, "Aruban florin"), ("AZN", 944, 2, "Azerbaijani manat"),
    ("BAM", 977, 2, "Bosnia and Herzegovina convertible mark"),
    ("BBD", 52, 2, "Barbados dollar"), ("BDT", 50, 2, "Bangladeshi taka"),
    ("BGN", 975, 2, "Bulgarian lev"), ("BHD", 48, 3, "Bahraini dinar"),
    ("BIF", 108, 0, "Burundian franc"), ("BMD", 60, 2, "Bermudian dollar"),
    ("BND", 96, 2, "Brunei dollar"), ("BOB", 68, 2, "Boliviano"),
    ("BRL", 986, 2, "Brazilian real"), ("BSD", 44, 2, "Bahamian dollar"),
    ("BTN", 64, 2, "Bhutanese ngultrum"), ("BWP", 72, 2, "Botswana pula"),
    ("BYN", 933, 2, "Belarusian ruble"), ("BZD", 84, 2, "Belize dollar"),
    ("CAD", 124, 2, "Canadian dollar"), ("CDF", 976, 2, "Congolese franc"),
    ("CHF", 756, 2, "Swiss franc"), ("CLP", 152, 0, "Chilean peso"),
    ("CNY", 156, 2, "Renminbi"), ("CNH", 0, 2, "Offshore renminbi"),
    ("COP", 170, 2, "Colombian peso"), ("CRC", 188, 2, "Costa Rican colon"),
    ("CUP", 192, 2, "Cuban peso"), ("CVE", 132, 2, "Cape Verdean escudo"),
    ("CZK", 203, 2, "Czech koruna"), ("DJF", 262, 0, "Djiboutian franc"),
    ("DKK", 208, 2, "Danish krone"), ("DOP", 214, 2, "Dominican peso"),
    ("DZD", 12, 2, "Algerian dinar"), ("EGP", 818, 2, "Egyptian pound"),
    ("ERN", 232, 2, "Eritrean nakfa"), ("ETB", 230, 2, "Ethiopian birr"),
    ("EUR", 978, 2, "Euro"), ("FJD", 242, 2, "Fiji dollar"),
    ("FKP", 238, 2, "Falkland Islands pound"), ("GBP", 826, 2, "Pound sterling"),
    ("GEL", 981, 2, "Georgian lari"), ("GHS", 936, 2, "Ghanaian cedi"),
    ("GIP", 292, 2, "Gibraltar pound"), ("GMD", 270, 2, "Gambian dalasi"),
    ("GNF", 324, 0, "Guinean franc"), ("GTQ", 320, 2, "Guatemalan quetzal"),
    ("GYD", 328, 2, "Guyanese dollar"), ("HKD", 344, 2, "Hong Kong dollar"),
    ("HNL", 340, 2, "Honduran lempira"), ("HTG", 332, 2, "Haitian gourde"),
    ("HUF", 348, 2, "Hungarian forint"), ("IDR", 360, 2, "Indonesian rupiah"),
    ("ILS", 376, 2, "Israeli new shekel"), ("INR", 356, 2, "Indian rupee"),
    ("IQD", 368, 3, "Iraqi dinar"), ("IRR", 364, 2, "Iranian rial"),
    ("ISK", 352, 0, "Icelandic krona"), ("JMD", 388, 2, "Jamaican dollar"),
    ("JOD", 400, 3, "Jordanian dinar"), ("JPY", 392, 0, "Japanese yen"),
    ("KES", 404, 2, "Kenyan shilling"), ("KGS", 417, 2, "Kyrgyzstani som"),
    ("KHR", 116, 2, "Cambodian riel"), ("KMF", 174, 0, "Comoro franc"),
    ("KPW", 408, 2, "North Korean won"), ("KRW", 410, 0, "South Korean won"),
    ("KWD", 414, 3, "Kuwaiti dinar"), ("KYD", 136, 2, "Cayman Islands dollar"),
    ("KZT", 398, 2, "Kazakhstani tenge"), ("LAK", 418, 2, "Lao kip"),
    ("LBP", 422, 2, "Lebanese pound"), ("LKR", 144, 2, "Sri Lankan rupee"),
    ("LRD", 430, 2, "Liberian dollar"), ("LSL", 426, 2, "Lesotho loti"),
    ("LYD", 434, 3, "Libyan dinar"), ("MAD", 504, 2, "Moroccan dirham"),
    ("MDL", 498, 2, "Moldovan leu"), ("MGA", 969, 2, "Malagasy ariary"),
    ("MKD", 807, 2, "Macedonian denar"), ("MMK", 104, 2, "Myanmar kyat"),
    ("MNT", 496, 2, "Mongolian togrog"), ("MOP", 446, 2, "Macanese pataca"),
    ("MRU", 929, 2, "Mauritanian ouguiya"), ("MUR", 480, 2, "Mauritian rupee"),
    ("MVR", 462, 2, "Maldivian rufiyaa"), ("MWK", 454, 2, "Malawian kwacha"),
    ("MXN", 484, 2, "Mexican peso"), ("MYR", 458, 2, "Malaysian ringgit"),
    ("MZN", 943, 2, "Mozambican metical"), ("NAD", 516, 2, "Namibian dollar"),
    ("NGN", 566, 2, "Nigerian naira"), ("NIO", 558, 2, "Nicaraguan cordoba"),
    ("NOK", 578, 2, "Norwegian krone"), ("NPR", 524, 2, "Nepalese rupee"),
    ("NZD", 554, 2, "New Zealand dollar"), ("OMR", 512, 3, "Omani rial"),
    ("PAB", 590, 2, "Panamanian balboa"), ("PEN", 604, 2, "Peruvian sol"),
    ("PGK", 598, 2, "Papua New Guinean kina"), ("PHP", 608, 2, "Philippine peso"),
    ("PKR", 586, 2, "Pakistani rupee"), ("PLN", 985, 2, "Polish zloty"),
    ("PYG", 600, 0, "Paraguayan guarani"), ("QAR", 634, 2, "Qatari riyal"),
    ("RON", 946, 2, "Romanian leu"), ("RSD", 941, 2, "Serbian dinar"),
    ("RUB", 643, 2, "Russian ruble"), ("RWF", 646, 0, "Rwandan franc"),
    ("SAR", 682, 2, "Saudi riyal"), ("SBD", 90, 2, "Solomon Islands dollar"),
    ("SCR", 690, 2, "Seychelles rupee"), ("SDG", 938, 2, "Sudanese pound"),
    ("SEK", 752, 2, "Swedish krona"), ("SGD", 702, 2, "Singapore dollar"),
    ("SHP", 654, 2, "Saint Helena pound"), ("SLE", 925, 2, "Sierra Leonean leone"),
    ("SOS", 706, 2, "Somali shilling"), ("SRD", 968, 2, "Surinamese dollar"),
    ("SSP", 728, 2, "South Sudanese pound"), ("STN", 930, 2, "Sao Tome and Principe dobra"),
    ("SVC", 222, 2, "Salvadoran colon"), ("SYP", 760, 2, "Syrian pound"),
    ("SZL", 748, 2, "Swazi lilangeni"), ("THB", 764, 2, "Thai baht"),
    ("TJS", 972, 2, "Tajikistani somoni"), ("TMT", 934, 2, "Turkmenistan manat"),
    ("TND", 788, 3, "Tunisian dinar"), ("TOP", 776, 2, "Tongan pa'anga"),
    ("TRY", 949, 2, "Turkish lira"), ("TTD", 780, 2, "Trinidad and Tobago dollar"),
    ("TWD", 901, 2, "New Taiwan dollar"), ("TZS", 834, 2, "Tanzanian shilling"),
    ("UAH", 980, 2, "Ukrainian hryvnia"), ("UGX", 800, 0, "Ugandan shilling"),
    ("USD", 840, 2, "United States dollar"), ("UYU", 858, 2, "Uruguayan peso"),
    ("UZS", 860, 2, "Uzbekistan sum"), ("VES", 928, 2, "Venezuelan bolivar"),
    ("VND", 704, 0, "Vietnamese dong"), ("VUV", 548, 0, "Vanuatu vatu"),
    ("WST", 882, 2, "Samoan tala"), ("XAF", 950, 0, "CFA franc BEAC"),
    ("XCD", 951, 2, "East Caribbean dollar"), ("XOF", 952, 0, "CFA franc BCEAO"),
    ("XPF", 953, 0, "CFP franc"), ("YER", 886, 2, "Yemeni rial"),
    ("ZAR", 710, 2, "South African rand"), ("ZMW", 967, 2, "Zambian kwacha"),
    ("ZWG", 924, 2, "Zimbabwe gold"),
)

_COMMODITY = (
    ("XAU", 959, 2, "Gold (troy ounce)"), ("XAG", 961, 2, "Silver (troy ounce)"),
    ("XPT", 962, 2, "Platinum (troy ounce)"), ("XPD", 964, 2, "Palladium (troy ounce)"),
)

_CRYPTO = (
    ("BTC", 8, "Bitcoin"), ("XBT", 8, "Bitcoin"), ("ETH", 8, "Ether"),
    ("USDT", 8, "Tether"), ("USDC", 8, "USD Coin"), ("DAI", 8, "Dai"),
    ("FDUSD", 8, "First Digital USD"), ("BNB", 8, "Binance Coin"), ("SOL", 8, "Solana"),
    ("XRP", 6, "Ripple"), ("ADA", 6, "Cardano"), ("DOGE", 8, "Dogecoin"),
    ("DOT", 8, "Polkadot"), ("LTC", 8, "Litecoin"), ("BCH", 8, "Bitcoin Cash"),
    ("TRX", 6, "TRON"), ("AVAX", 8, "Avalanche"), ("LINK", 8, "Chainlink"),
    ("MATIC", 8, "Polygon"), ("POL", 8, "Polygon Ecosystem Token"),
    ("SHIB", 8, "Shiba Inu"), ("XLM", 7, "Stellar Lumen"), ("XMR", 9, "Monero"),
    ("ATOM", 6, "Cosmos"), ("UNI", 8, "Uniswap"), ("AAVE", 8, "Aave"),
)

for _code, _num, _prec, _name in _FIAT:
    _REGISTRY[_code] = Currency(_code, _prec, _num, _name, CurrencyType.FIAT)
for _code, _num, _prec, _name in _COMMODITY:
    _REGISTRY[_code] = Currency(_code, _prec, _num, _name, CurrencyType.COMMODITY_BACKED)
for _code, _prec, _name in _CRYPTO:
    _REGISTRY[_code] = Currency(_code, _prec, 0, _name, CurrencyType.CRYPTO)
