"""Per-country value pools for the benchmark data generator (``generate.py``).

Everything here is small, static reference data: names, e-mail providers, streets, cities
with their postal-code ranges, phone numbering plans and the wrong spellings of country codes
that real exports carry. The generator only ever indexes into these pools with numpy arrays, so
the pools may grow without making generation slower.

Postal-code ranges and phone plans are chosen so that every value built from them is valid for
veracity's ``postal_code`` check and for libphonenumber (``phonenumbers.is_valid_number``);
``tests/benchmarks/test_generate.py`` checks that on a sample. When adding to a pool, keep it
that way: the injected error counts in the generator's truth file rely on clean values being
clean.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COUNTRIES", "KNOWN_MARKETS", "City", "Country", "PhonePlan"]


@dataclass(frozen=True)
class City:
    name: str
    #: Relative share of the country's customers living here (roughly by population).
    weight: float
    #: Postal codes are drawn uniformly from [low, high] (as integers; zero-padded on output).
    #: For GB, where codes are not numeric, the pair is unused and ``outward`` is.
    low: int = 0
    high: int = 0
    #: US state (two-letter USPS code); empty elsewhere.
    state: str = ""
    #: GB outward codes (the part before the space) used in this city.
    outward: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhonePlan:
    """One kind of number (a mobile range, a city's landlines) of a national numbering plan."""

    #: Leading digits of the national significant number (area or mobile network code).
    prefixes: tuple[str, ...]
    #: Digits after the prefix.
    subscriber_digits: int
    #: How the subscriber digits are grouped when a person writes the number (sums to
    #: ``subscriber_digits``).
    groups: tuple[int, ...]
    weight: float
    #: What the first subscriber digit may be. Ranges are allocated in blocks: London has
    #: 020 3/7/8, French 069x numbers belong to Réunion, NL 066/067 are pagers and data. The
    #: defaults were checked against libphonenumber per prefix and digit.
    first_digits: str = "23456789"


@dataclass(frozen=True)
class Country:
    code: str
    #: Share of all customers from this country.
    weight: float
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    #: (domain, relative weight)
    email_domains: tuple[tuple[str, float], ...]
    streets: tuple[str, ...]
    #: How an address line is written: "{street}" and "{no}" placeholders.
    street_format: str
    cities: tuple[City, ...]
    #: Postal-code layout: "digits5", "digits4", "nl", "pl", "gb", "us".
    postal_style: str
    calling_code: str
    #: National trunk prefix ("0" in most of Europe, "1" in the US, none in IT/ES/PL).
    trunk: str
    phone_plans: tuple[PhonePlan, ...]
    #: (style name, weight): how people in this country write phone numbers. The generator
    #: knows each style name.
    phone_styles: tuple[tuple[str, float], ...]
    #: Wrong spellings of the country seen in real exports (names, alpha-3, lower case, ...).
    bad_spellings: tuple[str, ...]


#: The markets the shipped rule pack's ``known-market`` rule accepts.
KNOWN_MARKETS = ("DE", "AT", "CH", "FR", "IT", "ES", "NL", "GB", "US")

_DE_STREETS = (
    "Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Dorfstraße", "Bergstraße",
    "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Mühlenweg", "Am Markt",
    "Goethestraße", "Schillerstraße", "Friedrichstraße", "Poststraße", "Rosenweg", "Birkenweg",
    "Feldstraße", "Wiesenstraße", "Lessingstraße", "Karl-Marx-Straße", "Kastanienallee",
    "Parkstraße", "Sonnenstraße", "Unter den Linden", "Invalidenstraße", "Königsallee",
)  # fmt: skip

COUNTRIES: tuple[Country, ...] = (
    Country(
        code="DE",
        weight=0.30,
        first_names=(
            "Anna", "Lena", "Laura", "Julia", "Sarah", "Lisa", "Katharina", "Johanna", "Sophie",
            "Marie", "Hannah", "Lea", "Mia", "Emma", "Clara", "Charlotte", "Greta", "Paula",
            "Franziska", "Sabine", "Petra", "Monika", "Ursula", "Brigitte", "Heike", "Claudia",
            "Andrea", "Lukas", "Leon", "Paul", "Jonas", "Felix", "Maximilian", "Jan", "Tim",
            "Niklas", "Moritz", "Tobias", "Florian", "Sebastian", "Michael", "Thomas", "Andreas",
            "Stefan", "Frank", "Klaus", "Jürgen", "Wolfgang", "Dieter", "Uwe", "Matthias", "Björn",
            "Jörg", "Günter",
        ),
        last_names=(
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
            "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
            "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann",
            "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
            "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn",
            "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler",
            "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon",
            "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt",
            "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas",
            "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel",
            "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer",
        ),
        email_domains=(
            ("gmail.com", 22), ("gmx.de", 20), ("web.de", 20), ("t-online.de", 12),
            ("outlook.de", 6), ("yahoo.de", 5), ("freenet.de", 4), ("posteo.de", 2),
            ("icloud.com", 4), ("hotmail.de", 5),
        ),
        streets=_DE_STREETS,
        street_format="{street} {no}",
        cities=(
            City("Berlin", 3.6, 10115, 14199), City("Hamburg", 1.8, 20095, 22769),
            City("München", 1.5, 80331, 81929), City("Köln", 1.1, 50667, 51149),
            City("Frankfurt am Main", 0.75, 60306, 60599), City("Stuttgart", 0.63, 70173, 70629),
            City("Düsseldorf", 0.62, 40210, 40629), City("Leipzig", 0.6, 4103, 4357),
            City("Dortmund", 0.59, 44135, 44388), City("Essen", 0.58, 45127, 45359),
            City("Bremen", 0.57, 28195, 28779), City("Dresden", 0.56, 1067, 1328),
            City("Hannover", 0.54, 30159, 30669), City("Nürnberg", 0.52, 90402, 90491),
            City("Duisburg", 0.5, 47051, 47279), City("Bochum", 0.36, 44787, 44894),
            City("Wuppertal", 0.35, 42103, 42399), City("Bielefeld", 0.33, 33602, 33739),
            City("Bonn", 0.33, 53111, 53229), City("Münster", 0.32, 48143, 48167),
            City("Freiburg im Breisgau", 0.23, 79098, 79117), City("Kiel", 0.25, 24103, 24159),
            City("Rostock", 0.21, 18055, 18147), City("Erfurt", 0.21, 99084, 99099),
            City("Mainz", 0.22, 55116, 55131),
        ),
        postal_style="digits5",
        calling_code="49",
        trunk="0",
        phone_plans=(
            PhonePlan(("151", "152", "157", "159"), 8, (8,), 3.0),
            PhonePlan(("160", "162", "163", "170", "171", "172", "173", "174", "175", "176", "177", "178", "179"), 7, (7,), 3.0),
            PhonePlan(("30", "40", "89", "69"), 8, (8,), 1.5),
            PhonePlan(("221", "211", "711", "341", "351", "511", "911", "421"), 7, (7,), 1.5),
        ),
        phone_styles=(
            ("national", 30), ("national_slash", 15), ("national_dash", 5), ("national_compact", 10),
            ("intl", 25), ("intl_trunk", 5), ("e164", 7), ("idd", 3),
        ),
        bad_spellings=("Germany", "Deutschland", "D", "GER", "DEU", "de"),
    ),
    Country(
        code="FR",
        weight=0.12,
        first_names=(
            "Camille", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Zoé", "Juliette", "Alice",
            "Emma", "Sarah", "Clara", "Élodie", "Amélie", "Céline", "Nathalie", "Isabelle", "Sophie",
            "Marion", "Hélène", "Margaux", "Océane", "Anaïs", "Lucas", "Hugo", "Louis", "Gabriel",
            "Arthur", "Jules", "Théo", "Nathan", "Mathis", "Raphaël", "Thomas", "Antoine", "Nicolas",
            "Julien", "Pierre", "Maxime", "Alexandre", "Guillaume", "François", "Baptiste",
            "Étienne", "Jérôme", "Sébastien", "Olivier", "Benoît", "Clément",
        ),
        last_names=(
            "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
            "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand",
            "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau",
            "Vincent", "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer",
            "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin",
            "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
            "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour",
            "Meunier", "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet",
            "Gaillard", "Barbier", "Arnaud", "Martinez", "Gérard", "Roche", "Renard", "Schmitt",
            "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard", "Roger", "Fabre", "Aubert",
            "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe", "Bourgeois", "Pierre",
            "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
        ),
        email_domains=(
            ("gmail.com", 30), ("orange.fr", 18), ("free.fr", 12), ("laposte.net", 8),
            ("sfr.fr", 8), ("hotmail.fr", 10), ("yahoo.fr", 6), ("wanadoo.fr", 4), ("outlook.fr", 4),
        ),
        streets=(
            "rue de la Paix", "rue Victor Hugo", "avenue des Champs-Élysées",
            "boulevard Saint-Germain", "rue de Rivoli", "place Bellecour", "rue de la République",
            "avenue Jean Jaurès", "rue Pasteur", "rue du Moulin", "chemin des Vignes",
            "allée des Tilleuls", "rue Nationale", "rue de l'Église", "avenue de la Gare",
            "rue Gambetta", "boulevard Voltaire", "rue des Écoles", "impasse des Lilas",
            "quai de la Tournelle", "rue du Faubourg Saint-Antoine", "cours Mirabeau",
        ),
        # "12, rue ..." is common in France; the comma makes the CSV writer quote the field.
        street_format="{no}, {street}",
        cities=(
            City("Paris", 4.0, 75001, 75020), City("Marseille", 1.6, 13001, 13016),
            City("Lyon", 1.0, 69001, 69009), City("Toulouse", 0.9, 31000, 31500),
            City("Nice", 0.7, 6000, 6300), City("Nantes", 0.6, 44000, 44300),
            City("Strasbourg", 0.55, 67000, 67200), City("Montpellier", 0.55, 34000, 34090),
            City("Bordeaux", 0.5, 33000, 33800), City("Lille", 0.45, 59000, 59800),
            City("Rennes", 0.4, 35000, 35700), City("Reims", 0.3, 51100, 51100),
            City("Grenoble", 0.3, 38000, 38100), City("Dijon", 0.25, 21000, 21000),
            City("Angers", 0.25, 49000, 49100), City("Ajaccio", 0.1, 20000, 20090),
            City("Toulon", 0.3, 83000, 83200),
        ),
        postal_style="digits5",
        calling_code="33",
        trunk="0",
        phone_plans=(
            PhonePlan(("6",), 8, (2, 2, 2, 2), 5.0, first_digits="1245678"),
            PhonePlan(("7",), 8, (2, 2, 2, 2), 1.0, first_digits="345678"),
            PhonePlan(("1", "2", "3", "4", "5"), 8, (2, 2, 2, 2), 3.0, first_digits="12345"),
        ),
        phone_styles=(
            ("national", 45), ("national_dots", 15), ("national_compact", 10), ("intl", 20), ("e164", 10),
        ),
        bad_spellings=("France", "F", "FRA", "fr", "Frankreich"),
    ),
    Country(
        code="GB",
        weight=0.12,
        first_names=(
            "Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar",
            "William", "James", "Henry", "Leo", "Alfie", "Joshua", "Freddie", "Archie", "Ethan",
            "Isaac", "Alexander", "Joseph", "Daniel", "Samuel", "Edward", "Olivia", "Amelia", "Isla",
            "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella", "Lily", "Evie", "Isabella",
            "Jessica", "Chloe", "Charlotte", "Sophie", "Lucy", "Ruby", "Freya", "Hannah", "Eleanor",
            "Harriet", "Imogen", "Siobhan", "Niamh", "Rhys", "Gareth", "Callum", "Fiona",
        ),
        last_names=(
            "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
            "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
            "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
            "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
            "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
            "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
            "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "O'Brien",
            "O'Neill", "MacDonald", "McKenzie", "Khan", "Ali", "Singh", "Begum", "Fletcher",
            "Chapman", "Hunt", "Knight", "Mills", "Stevens", "Ellis", "Webb", "Simpson", "Marshall",
            "Murray", "Stewart", "Gray", "Campbell", "Reid", "Kennedy", "Ross", "Fraser",
        ),
        email_domains=(
            ("gmail.com", 30), ("hotmail.co.uk", 15), ("yahoo.co.uk", 10), ("btinternet.com", 10),
            ("outlook.com", 10), ("sky.com", 6), ("icloud.com", 8), ("virginmedia.com", 5),
            ("live.co.uk", 6),
        ),
        streets=(
            "High Street", "Station Road", "Main Street", "Park Road", "Church Road", "Church Street",
            "London Road", "Victoria Road", "Green Lane", "Manor Road", "Church Lane", "Park Avenue",
            "The Avenue", "Queens Road", "New Road", "Grange Road", "Kings Road", "Baker Street",
            "Mill Lane", "Albert Road", "Springfield Road", "North Street", "Deansgate",
        ),
        street_format="{no} {street}",
        cities=(
            City("London", 9.0, outward=(
                "SW1A", "SW3", "SW11", "SE1", "SE10", "E1", "E14", "N1", "N7", "NW1", "NW3", "W1",
                "W2", "W11", "WC1", "WC2H", "EC1", "EC2A",
            )),
            City("Manchester", 1.5, outward=("M1", "M3", "M4", "M13", "M14", "M20")),
            City("Birmingham", 1.2, outward=("B1", "B2", "B5", "B15", "B29")),
            City("Leeds", 0.8, outward=("LS1", "LS2", "LS6", "LS11")),
            City("Glasgow", 0.7, outward=("G1", "G2", "G3", "G12")),
            City("Liverpool", 0.6, outward=("L1", "L2", "L8", "L17")),
            City("Edinburgh", 0.5, outward=("EH1", "EH2", "EH3", "EH10")),
            City("Bristol", 0.5, outward=("BS1", "BS2", "BS8")),
            City("Sheffield", 0.5, outward=("S1", "S2", "S10", "S11")),
            City("Cardiff", 0.4, outward=("CF10", "CF11", "CF14")),
            City("Belfast", 0.35, outward=("BT1", "BT7", "BT9")),
            City("Newcastle upon Tyne", 0.3, outward=("NE1", "NE2", "NE6")),
            City("Nottingham", 0.3, outward=("NG1", "NG7")),
            City("Cambridge", 0.15, outward=("CB1", "CB2", "CB4")),
            City("Oxford", 0.15, outward=("OX1", "OX2", "OX4")),
        ),
        postal_style="gb",
        calling_code="44",
        trunk="0",
        phone_plans=(
            PhonePlan(
                (
                    "7400", "7412", "7432", "7448", "7501", "7512", "7525", "7535", "7712",
                    "7723", "7734", "7745", "7766", "7787", "7800", "7812", "7823", "7834", "7845",
                    "7852", "7863", "7874", "7900", "7922", "7933", "7944", "7955", "7966",
                    "7977", "7988",
                ),
                6,
                (6,),
                5.0,
            ),
            PhonePlan(("20",), 8, (4, 4), 2.0, first_digits="378"),
            PhonePlan(("161", "121", "141", "131", "113", "151", "117", "114"), 7, (3, 4), 2.0, first_digits="234"),
        ),
        phone_styles=(("national", 55), ("national_compact", 10), ("intl", 20), ("intl_trunk", 10), ("e164", 5)),
        bad_spellings=("UK", "England", "GBR", "United Kingdom", "gb", "Great Britain"),
    ),
    Country(
        code="US",
        weight=0.14,
        first_names=(
            "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
            "Christopher", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Andrew",
            "Joshua", "Kevin", "Brian", "Ryan", "Tyler", "Brandon", "Justin", "Carlos", "Luis",
            "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
            "Karen", "Sarah", "Lisa", "Nancy", "Ashley", "Emily", "Madison", "Megan", "Amanda",
            "Stephanie", "Nicole", "Brittany", "Samantha", "Kayla", "Maria", "Ana", "DeShawn",
            "Jamal", "Aaliyah", "Keisha",
        ),
        last_names=(
            "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
            "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
            "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
            "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
            "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams",
            "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Kim",
            "Chen", "Patel", "Cohen", "O'Connor", "Sullivan", "Gomez", "Phillips", "Evans", "Turner",
            "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales",
            "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
            "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Cox", "Ward", "Richardson", "Watson",
            "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
            "Price", "Alvarez", "Castillo", "Sanders", "Washington",
        ),
        email_domains=(
            ("gmail.com", 40), ("yahoo.com", 15), ("hotmail.com", 8), ("outlook.com", 8),
            ("aol.com", 5), ("icloud.com", 10), ("comcast.net", 5), ("att.net", 4), ("verizon.net", 3),
            ("msn.com", 2),
        ),
        streets=(
            "Main St", "Oak Street", "Pine Street", "Maple Avenue", "Cedar Lane", "Elm Street",
            "Washington Avenue", "Lake Street", "Hill Street", "Park Avenue", "2nd Street",
            "3rd Street", "Sunset Blvd", "Broadway", "Fifth Avenue", "Market St", "Lincoln Ave",
            "Jefferson St", "Madison Ave", "Highland Ave", "Ridge Road", "Mission St",
        ),
        street_format="{no} {street}",
        cities=(
            City("New York", 8.3, 10001, 10292, "NY"), City("Los Angeles", 3.9, 90001, 90089, "CA"),
            City("Chicago", 2.7, 60601, 60661, "IL"), City("Houston", 2.3, 77001, 77099, "TX"),
            City("Phoenix", 1.6, 85001, 85099, "AZ"), City("Philadelphia", 1.6, 19102, 19154, "PA"),
            City("San Antonio", 1.4, 78201, 78266, "TX"), City("San Diego", 1.4, 92101, 92199, "CA"),
            City("Dallas", 1.3, 75201, 75398, "TX"), City("Austin", 1.0, 78701, 78759, "TX"),
            City("San Francisco", 0.9, 94102, 94188, "CA"), City("Seattle", 0.7, 98101, 98199, "WA"),
            City("Denver", 0.7, 80201, 80299, "CO"), City("Boston", 0.7, 2108, 2298, "MA"),
            City("Miami", 0.45, 33101, 33199, "FL"), City("Atlanta", 0.5, 30301, 30399, "GA"),
            City("Portland", 0.65, 97201, 97299, "OR"), City("Newark", 0.3, 7101, 7199, "NJ"),
            City("Hartford", 0.12, 6101, 6199, "CT"), City("Nashville", 0.7, 37201, 37250, "TN"),
            City("Minneapolis", 0.43, 55401, 55488, "MN"), City("Detroit", 0.63, 48201, 48288, "MI"),
        ),
        postal_style="us",
        calling_code="1",
        trunk="1",
        phone_plans=(
            PhonePlan(
                (
                    "212", "646", "718", "917", "310", "213", "323", "415", "312", "773", "713", "832",
                    "602", "215", "210", "619", "214", "512", "206", "303", "617", "305", "404", "503",
                    "973", "860", "615", "612", "313", "702", "704", "916",
                ),
                7,
                (3, 4),
                1.0,
            ),
        ),
        phone_styles=(
            ("us_paren", 30), ("us_dash", 25), ("us_dots", 10), ("national_compact_no_trunk", 5),
            ("us_one", 5), ("intl", 15), ("intl_dash", 5), ("e164", 5),
        ),
        bad_spellings=("USA", "U.S.", "United States", "usa", "us", "U.S.A."),
    ),
    Country(
        code="NL",
        weight=0.07,
        first_names=(
            "Daan", "Sem", "Lucas", "Levi", "Finn", "Bram", "Luuk", "Milan", "Jesse", "Thijs",
            "Ruben", "Lars", "Niels", "Sander", "Joost", "Pieter", "Willem", "Jeroen", "Maarten",
            "Bas", "Koen", "Stijn", "Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Anna",
            "Fenna", "Lotte", "Sanne", "Femke", "Eva", "Lieke", "Iris", "Noor", "Anouk", "Marieke",
            "Ingrid", "Annelies", "Floor", "Roos", "Hendrik", "Gerrit", "Wouter", "Marloes",
        ),
        last_names=(
            "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
            "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
            "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
            "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
            "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "de Bruin",
            "van der Heijden", "Schouten", "van Beek", "Willems", "van Vliet", "van de Ven",
            "Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam", "Prins", "Blom", "Huisman",
            "Peeters", "de Lange", "van Wijk", "Postma", "Kuiper", "Veenstra", "Kramer", "van 't Hof",
        ),
        email_domains=(
            ("gmail.com", 35), ("ziggo.nl", 15), ("kpnmail.nl", 10), ("hotmail.nl", 10),
            ("outlook.com", 10), ("live.nl", 8), ("xs4all.nl", 5), ("planet.nl", 4),
        ),
        streets=(
            "Kerkstraat", "Schoolstraat", "Molenstraat", "Dorpsstraat", "Stationsweg",
            "Kalverstraat", "Prinsengracht", "Keizersgracht", "Herengracht", "Julianastraat",
            "Wilhelminastraat", "Beatrixlaan", "Nieuwstraat", "Marktplein", "Kastanjelaan",
            "Lindenlaan", "Eikenlaan", "Industrieweg", "Parallelweg", "Oranjestraat",
        ),
        street_format="{street} {no}",
        cities=(
            City("Amsterdam", 3.0, 1011, 1109), City("Rotterdam", 2.2, 3011, 3089),
            City("Den Haag", 1.8, 2491, 2599), City("Utrecht", 1.2, 3511, 3585),
            City("Eindhoven", 0.8, 5611, 5658), City("Groningen", 0.7, 9711, 9747),
            City("Tilburg", 0.7, 5011, 5049), City("Almere", 0.7, 1311, 1365),
            City("Breda", 0.6, 4811, 4839), City("Nijmegen", 0.6, 6511, 6546),
            City("Haarlem", 0.5, 2011, 2037), City("Arnhem", 0.5, 6811, 6846),
            City("Maastricht", 0.4, 6211, 6229), City("Leiden", 0.4, 2311, 2334),
        ),
        postal_style="nl",
        calling_code="31",
        trunk="0",
        phone_plans=(
            PhonePlan(("6",), 8, (8,), 5.0, first_digits="123458"),
            PhonePlan(("20", "10", "70", "30", "40", "50"), 7, (3, 4), 3.0),
        ),
        phone_styles=(("national", 40), ("national_dash", 20), ("national_compact", 10), ("intl", 20), ("e164", 10)),
        bad_spellings=("Netherlands", "Holland", "NLD", "nl", "Nederland"),
    ),
    Country(
        code="IT",
        weight=0.08,
        first_names=(
            "Francesco", "Alessandro", "Lorenzo", "Leonardo", "Mattia", "Andrea", "Gabriele",
            "Riccardo", "Tommaso", "Edoardo", "Matteo", "Giuseppe", "Marco", "Luca", "Giovanni",
            "Antonio", "Paolo", "Stefano", "Davide", "Simone", "Nicolò", "Fabio", "Sofia", "Giulia",
            "Aurora", "Alice", "Ginevra", "Emma", "Giorgia", "Greta", "Beatrice", "Anna", "Chiara",
            "Francesca", "Federica", "Valentina", "Martina", "Sara", "Elisa", "Silvia", "Laura",
            "Paola", "Elena", "Maria", "Salvatore", "Vincenzo", "Rosa", "Carmela",
        ),
        last_names=(
            "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
            "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano",
            "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi",
            "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli",
            "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti",
            "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso",
            "Valentini", "Messina", "Sala", "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna",
            "Farina", "Rizzi", "Monti", "Cattaneo", "Morelli", "Amato", "Silvestri", "Mazza",
        ),
        email_domains=(
            ("gmail.com", 35), ("libero.it", 20), ("virgilio.it", 8), ("alice.it", 6),
            ("hotmail.it", 10), ("tiscali.it", 5), ("yahoo.it", 8), ("outlook.it", 5),
        ),
        streets=(
            "Via Roma", "Via Garibaldi", "Via Mazzini", "Via Dante Alighieri", "Via Verdi",
            "Corso Vittorio Emanuele II", "Via Cavour", "Piazza del Popolo", "Via del Corso",
            "Via Nazionale", "Via Marconi", "Viale Europa", "Via XX Settembre", "Via Matteotti",
            "Corso Italia", "Via della Repubblica", "Via Manzoni", "Via dei Mille",
            "Via Vittorio Veneto", "Via San Martino",
        ),
        street_format="{street}, {no}",
        cities=(
            City("Roma", 2.8, 118, 199), City("Milano", 1.4, 20121, 20162),
            City("Napoli", 0.95, 80121, 80147), City("Torino", 0.85, 10121, 10156),
            City("Palermo", 0.65, 90121, 90151), City("Genova", 0.56, 16121, 16167),
            City("Bologna", 0.39, 40121, 40141), City("Firenze", 0.37, 50121, 50145),
            City("Bari", 0.32, 70121, 70132), City("Catania", 0.3, 95121, 95131),
            City("Venezia", 0.26, 30121, 30176), City("Verona", 0.26, 37121, 37142),
            City("Trieste", 0.2, 34121, 34151), City("Padova", 0.21, 35121, 35143),
        ),
        postal_style="digits5",
        calling_code="39",
        trunk="",
        phone_plans=(
            PhonePlan(
                (
                    "320", "328", "329", "330", "333", "334", "335", "338", "339", "340", "347", "348",
                    "349", "360", "366", "368", "380", "388", "389", "391", "392", "393",
                ),
                7,
                (7,),
                6.0,
            ),
            PhonePlan(("06", "02"), 8, (4, 4), 2.0),
            PhonePlan(("011", "081", "051", "055", "010"), 7, (7,), 1.0),
        ),
        phone_styles=(("national", 50), ("national_compact", 15), ("intl", 25), ("e164", 10)),
        bad_spellings=("Italy", "Italia", "ITA", "I", "it"),
    ),
    Country(
        code="ES",
        weight=0.07,
        first_names=(
            "Hugo", "Martín", "Lucas", "Mateo", "Leo", "Daniel", "Alejandro", "Pablo", "Manuel",
            "Álvaro", "Adrián", "David", "Mario", "Diego", "Javier", "José", "Juan", "Carlos",
            "Antonio", "Francisco", "Sergio", "Jorge", "Lucía", "Sofía", "Martina", "María", "Julia",
            "Paula", "Valeria", "Emma", "Daniela", "Carla", "Alba", "Noa", "Carmen", "Ana", "Laura",
            "Isabel", "Marta", "Elena", "Cristina", "Pilar", "Rocío", "Nuria", "Jordi", "Montserrat",
            "Iñaki", "Begoña",
        ),
        last_names=(
            "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
            "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
            "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos",
            "Gil", "Ramírez", "Serrano", "Blanco", "Molina", "Morales", "Suárez", "Ortega",
            "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina",
            "Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto",
            "Méndez", "Cruz", "Calvo", "Gallego", "Vidal", "León", "Márquez", "Herrera", "Peña",
            "Flores", "Cabrera", "Campos", "Vega", "Fuentes", "Carrasco", "Díez", "Caballero",
        ),
        email_domains=(
            ("gmail.com", 45), ("hotmail.es", 18), ("yahoo.es", 10), ("telefonica.net", 6),
            ("outlook.es", 10), ("movistar.es", 4), ("icloud.com", 5),
        ),
        streets=(
            "Calle Mayor", "Calle Real", "Gran Vía", "Calle de Alcalá", "Paseo de la Castellana",
            "Avenida de la Constitución", "Calle Serrano", "Plaza Mayor", "Calle del Carmen",
            "Calle Nueva", "Avenida de América", "Calle San Juan", "Calle de la Iglesia",
            "Rambla de Catalunya", "Passeig de Gràcia", "Calle Sol", "Avinguda Diagonal",
            "Calle Luna", "Calle Valencia", "Calle Sevilla",
        ),
        street_format="{street}, {no}",
        cities=(
            City("Madrid", 3.3, 28001, 28055), City("Barcelona", 1.6, 8001, 8042),
            City("Valencia", 0.8, 46001, 46026), City("Sevilla", 0.7, 41001, 41020),
            City("Zaragoza", 0.67, 50001, 50021), City("Málaga", 0.58, 29001, 29018),
            City("Murcia", 0.46, 30001, 30012), City("Palma", 0.42, 7001, 7015),
            City("Las Palmas de Gran Canaria", 0.38, 35001, 35019), City("Bilbao", 0.35, 48001, 48015),
            City("Alicante", 0.34, 3001, 3016), City("Córdoba", 0.32, 14001, 14014),
            City("Valladolid", 0.3, 47001, 47017), City("Vigo", 0.29, 36201, 36216),
            City("Granada", 0.23, 18001, 18015),
        ),
        postal_style="digits5",
        calling_code="34",
        trunk="",
        phone_plans=(
            PhonePlan(tuple(f"6{d:02d}" for d in range(0, 100, 3)), 6, (3, 3), 6.0),
            PhonePlan(("91", "93"), 7, (3, 2, 2), 2.0),
        ),
        phone_styles=(("national", 55), ("national_compact", 15), ("intl", 20), ("e164", 10)),
        bad_spellings=("Spain", "España", "ESP", "E", "es"),
    ),
    Country(
        code="AT",
        weight=0.04,
        first_names=(
            "Lukas", "Tobias", "David", "Jakob", "Maximilian", "Elias", "Felix", "Florian",
            "Sebastian", "Matthias", "Stefan", "Christoph", "Markus", "Bernhard", "Gerhard",
            "Herbert", "Johann", "Josef", "Franz", "Wolfgang", "Manfred", "Martin", "Anna", "Hannah",
            "Sophie", "Lena", "Marie", "Emma", "Laura", "Sarah", "Katharina", "Julia", "Valentina",
            "Magdalena", "Theresa", "Elisabeth", "Verena", "Birgit", "Sabine", "Andrea", "Christina",
            "Barbara", "Johanna", "Leonie",
        ),
        last_names=(
            "Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler", "Steiner", "Moser", "Mayer",
            "Hofer", "Leitner", "Berger", "Fuchs", "Eder", "Fischer", "Schmid", "Winkler", "Weber",
            "Schwarz", "Maier", "Schneider", "Reiter", "Mayr", "Schmidt", "Wimmer", "Egger",
            "Brunner", "Lang", "Baumgartner", "Auer", "Binder", "Lechner", "Wolf", "Wallner",
            "Aigner", "Ebner", "Koller", "Lehner", "Haas", "Schuster", "Holzer", "Wieser",
            "Strasser", "Hofmann", "Kaiser", "Pfeiffer", "Riegler", "Lindner", "Stadler", "Fellner",
        ),
        email_domains=(
            ("gmail.com", 30), ("gmx.at", 25), ("aon.at", 12), ("chello.at", 6), ("a1.net", 8),
            ("outlook.com", 8), ("yahoo.com", 5), ("icloud.com", 6),
        ),
        streets=(
            "Hauptstraße", "Mariahilfer Straße", "Kärntner Straße", "Landstraßer Hauptstraße",
            "Bahnhofstraße", "Kirchengasse", "Schulgasse", "Herrengasse", "Wiener Straße",
            "Linzer Straße", "Grazer Straße", "Dorfstraße", "Gartengasse", "Mühlgasse",
            "Lindengasse", "Ringstraße", "Bergstraße", "Feldgasse", "Neubaugasse",
        ),
        street_format="{street} {no}",
        cities=(
            City("Wien", 5.0, 1010, 1230), City("Graz", 0.8, 8010, 8063),
            City("Linz", 0.5, 4020, 4040), City("Salzburg", 0.4, 5020, 5026),
            City("Innsbruck", 0.35, 6020, 6080), City("Klagenfurt", 0.25, 9020, 9073),
            City("Villach", 0.17, 9500, 9524), City("Wels", 0.15, 4600, 4600),
            City("St. Pölten", 0.15, 3100, 3107), City("Dornbirn", 0.12, 6850, 6850),
        ),
        postal_style="digits4",
        calling_code="43",
        trunk="0",
        phone_plans=(
            PhonePlan(("650", "660", "664", "676", "680", "681", "688", "699"), 7, (7,), 5.0),
            PhonePlan(("1",), 7, (3, 4), 2.0),
            PhonePlan(("316", "732", "662", "512"), 6, (6,), 1.0),
        ),
        phone_styles=(("national", 45), ("national_slash", 15), ("intl", 25), ("e164", 10), ("idd", 5)),
        bad_spellings=("Austria", "Österreich", "AUT", "A", "at"),
    ),
    Country(
        code="CH",
        weight=0.03,
        first_names=(
            "Noah", "Liam", "Matteo", "Luca", "Gabriel", "Leon", "Elias", "Louis", "Nico", "Samuel",
            "Jonas", "Levin", "Reto", "Urs", "Beat", "Daniel", "Thomas", "Marco", "Roger",
            "Christian", "Lukas", "Simon", "Mia", "Emma", "Lina", "Mila", "Elena", "Sofia", "Lea",
            "Lara", "Laura", "Alina", "Anna", "Nina", "Chiara", "Sarah", "Ursula", "Ruth", "Verena",
            "Corinne", "Sandra", "Nadine", "Seraina", "Flurina",
        ),
        last_names=(
            "Müller", "Meier", "Schmid", "Keller", "Weber", "Huber", "Meyer", "Schneider", "Steiner",
            "Fischer", "Gerber", "Brunner", "Baumann", "Frei", "Zimmermann", "Moser", "Widmer",
            "Wyss", "Graf", "Roth", "Suter", "Baumgartner", "Bachmann", "Studer", "Bühler", "Kälin",
            "Lüthi", "Hofer", "Bucher", "Schwarz", "Kaufmann", "Marti", "Kunz", "Fässler", "Egli",
            "Sutter", "Hess", "Zürcher", "Bosshard", "Imhof", "Favre", "Rochat", "Bonvin",
            "Rossier", "Pittet", "Ferrari", "Bernasconi", "Crivelli", "Rey", "Blaser",
        ),
        email_domains=(
            ("gmail.com", 30), ("bluewin.ch", 30), ("gmx.ch", 12), ("sunrise.ch", 8),
            ("hispeed.ch", 6), ("outlook.com", 8), ("icloud.com", 6),
        ),
        streets=(
            "Bahnhofstrasse", "Hauptstrasse", "Dorfstrasse", "Kirchgasse", "Seestrasse",
            "Schulstrasse", "Rue du Rhône", "Rue de Lausanne", "Avenue de la Gare", "Via Nassa",
            "Marktgasse", "Spitalgasse", "Zürichstrasse", "Bernstrasse", "Poststrasse",
            "Gartenstrasse", "Industriestrasse", "Rosenweg", "Oberdorfstrasse", "Alte Landstrasse",
        ),
        street_format="{street} {no}",
        cities=(
            City("Zürich", 4.2, 8001, 8099), City("Genève", 2.0, 1201, 1299),
            City("Basel", 1.7, 4001, 4099), City("Lausanne", 1.4, 1000, 1018),
            City("Bern", 1.3, 3001, 3030), City("Winterthur", 1.1, 8400, 8411),
            City("Luzern", 0.8, 6000, 6015), City("St. Gallen", 0.75, 9000, 9016),
            City("Lugano", 0.6, 6900, 6917), City("Biel/Bienne", 0.55, 2500, 2505),
        ),
        postal_style="digits4",
        calling_code="41",
        trunk="0",
        phone_plans=(
            PhonePlan(("76", "77", "78", "79"), 7, (3, 2, 2), 5.0),
            PhonePlan(("44", "22", "31", "61", "21", "41"), 7, (3, 2, 2), 3.0),
        ),
        phone_styles=(("national", 55), ("national_compact", 10), ("intl", 25), ("e164", 10)),
        bad_spellings=("Switzerland", "Schweiz", "Suisse", "CHE", "ch"),
    ),
    Country(
        code="PL",
        weight=0.03,
        first_names=(
            "Jan", "Jakub", "Antoni", "Szymon", "Filip", "Aleksander", "Franciszek", "Mikołaj",
            "Wojciech", "Kacper", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Marcin",
            "Michał", "Łukasz", "Grzegorz", "Mateusz", "Adam", "Dariusz", "Zuzanna", "Julia",
            "Zofia", "Hanna", "Maja", "Lena", "Alicja", "Oliwia", "Amelia", "Laura", "Anna", "Maria",
            "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena", "Joanna",
            "Aleksandra", "Monika", "Dorota",
        ),
        last_names=(
            "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
            "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
            "Kwiatkowski", "Wojciechowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski",
            "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel",
            "Nowakowski", "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk",
            "Dudek", "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran",
            "Rutkowski", "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak",
            "Marciniak", "Wróblewski",
        ),
        email_domains=(
            ("gmail.com", 35), ("wp.pl", 18), ("onet.pl", 15), ("interia.pl", 10), ("o2.pl", 10),
            ("op.pl", 6), ("gazeta.pl", 4),
        ),
        streets=(
            "Marszałkowska", "Piłsudskiego", "Mickiewicza", "Kościuszki", "Słowackiego",
            "Sienkiewicza", "Długa", "Polna", "Leśna", "Kwiatowa", "Ogrodowa", "Lipowa", "Szkolna",
            "Kościelna", "Warszawska", "Krakowska", "Jana Pawła II", "Wolności", "Parkowa", "Łąkowa",
        ),
        street_format="ul. {street} {no}",
        cities=(
            City("Warszawa", 1.8, 1, 4999), City("Kraków", 0.8, 30001, 31999),
            City("Łódź", 0.67, 90001, 94999), City("Wrocław", 0.64, 50001, 54999),
            City("Poznań", 0.53, 60001, 61999), City("Gdańsk", 0.47, 80001, 80999),
            City("Szczecin", 0.4, 70001, 71999), City("Bydgoszcz", 0.34, 85001, 85999),
            City("Lublin", 0.34, 20001, 20999), City("Katowice", 0.29, 40001, 40999),
        ),
        postal_style="pl",
        calling_code="48",
        trunk="",
        phone_plans=(
            PhonePlan(
                ("501", "502", "509", "512", "531", "535", "570", "601", "603", "661", "691", "721", "731", "781", "791", "881"),
                6,
                (3, 3),
                6.0,
            ),
            PhonePlan(("22", "12", "42", "71", "61", "58"), 7, (3, 2, 2), 2.0),
        ),
        phone_styles=(("national", 50), ("national_compact", 10), ("intl", 30), ("e164", 10)),
        bad_spellings=("Poland", "Polska", "POL", "PL ", "pl"),
    ),
)  # fmt: skip
