"""Names, places and contact details for the demo's fictional people.

Every person is invented. Email addresses use the reserved example domains and phone numbers
come from the ranges the Australian Communications and Media Authority sets aside for fiction,
so no demo message can reach a real person.
"""

# fmt: off
# Background -> (weight, female given names, male given names, family names). Weights roughly
# follow the mix of learners at a western Sydney RTO.
BACKGROUNDS: dict[str, tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "anglo": (
        38,
        (
            "Olivia", "Charlotte", "Mia", "Amelia", "Isla", "Sophie", "Chloe", "Emily", "Grace",
            "Jessica", "Sarah", "Hannah", "Lauren", "Kate", "Megan", "Rebecca", "Tayla",
            "Brooke", "Kylie", "Michelle", "Karen", "Leanne", "Jodie", "Ruby", "Matilda",
        ),
        (
            "Jack", "Oliver", "William", "Noah", "Thomas", "James", "Lachlan", "Cooper",
            "Harrison", "Riley", "Ethan", "Liam", "Mitchell", "Brendan", "Shane", "Craig",
            "Darren", "Matthew", "Daniel", "Joshua", "Ryan", "Nathan", "Jayden", "Callum",
        ),
        (
            "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White",
            "Martin", "Anderson", "Thompson", "Walker", "Harris", "Ryan", "Robinson", "Kelly",
            "King", "Campbell", "Mitchell", "Clarke", "O'Brien", "Murphy", "Hughes", "Bennett",
            "Fraser", "McDonald", "Stewart", "Sullivan", "Gallagher", "Byrne",
        ),
    ),
    "chinese": (
        8,
        ("Mei", "Xiaoling", "Yan", "Jing", "Li Na", "Hui", "Ying", "Xin", "Qian", "Wen"),
        ("Wei", "Jun", "Hao", "Lei", "Ming", "Jian", "Tao", "Yong", "Zhihao", "Chen"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Lin"),
    ),
    "vietnamese": (
        7,
        ("Linh", "Thao", "Ngoc", "Trang", "Huong", "Mai", "Phuong", "Lan", "Thuy", "Hanh"),
        ("Minh", "Tuan", "Duc", "Huy", "Khoa", "Long", "Quang", "Thanh", "Bao", "Phuc"),
        ("Nguyen", "Tran", "Le", "Pham", "Huynh", "Vo", "Dang", "Bui", "Do", "Ngo"),
    ),
    "indian": (
        10,
        ("Priya", "Ananya", "Kavya", "Neha", "Pooja", "Simran", "Harpreet", "Divya", "Aarti"),
        ("Arjun", "Rahul", "Vikram", "Aditya", "Rohan", "Gurpreet", "Sandeep", "Karan", "Amit"),
        (
            "Sharma", "Patel", "Singh", "Kaur", "Gupta", "Reddy", "Kumar", "Iyer", "Nair",
            "Mehta", "Desai", "Joshi",
        ),
    ),
    "arabic": (
        7,
        ("Fatima", "Layla", "Mariam", "Zainab", "Rania", "Nour", "Yasmin", "Amira", "Hiba"),
        ("Mohammed", "Ali", "Omar", "Ahmad", "Hassan", "Karim", "Bilal", "Youssef", "Tariq"),
        (
            "Haddad", "Khoury", "Nasser", "Saleh", "Hamdan", "Abboud", "Fakhoury", "Mansour",
            "Rahman", "El-Masri",
        ),
    ),
    "mediterranean": (
        7,
        ("Sofia", "Maria", "Elena", "Giulia", "Alessia", "Eleni", "Katerina", "Despina"),
        ("Marco", "Luca", "Giuseppe", "Nick", "George", "Con", "Dimitri", "Anthony"),
        (
            "Rossi", "Russo", "Romano", "Esposito", "Bianchi", "Papadopoulos", "Georgiou",
            "Nikolaidis", "Vlahos", "Costa",
        ),
    ),
    "filipino": (
        6,
        ("Maricel", "Jasmine", "Angelica", "Kristine", "Rowena", "Joy", "Rosalie", "Camille"),
        ("Mark", "Jericho", "Paolo", "Rafael", "Joel", "Carlo", "Ramon", "Nestor"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Dela Cruz", "Villanueva"),
    ),
    "korean": (
        3,
        ("Ji-woo", "Seo-yeon", "Min-ji", "Soo-jin", "Hye-jin"),
        ("Min-jun", "Ji-ho", "Seung-hoon", "Dong-hyun", "Jae-won"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang"),
    ),
    "pacific": (
        4,
        ("Losana", "Mele", "Salote", "Talia", "Leilani", "Sina"),
        ("Sione", "Tevita", "Iosefa", "Malakai", "Viliami", "Tama"),
        ("Tupou", "Fifita", "Taufa", "Leota", "Faleolo", "Vaifale", "Naufahu"),
    ),
    "african": (
        3,
        ("Amina", "Nyadak", "Abuk", "Hana", "Selam", "Achol"),
        ("Deng", "Abdi", "Samuel", "Yohannes", "Mabior", "Kofi"),
        ("Deng", "Garang", "Mohamed", "Tesfaye", "Abebe", "Okafor", "Mensah"),
    ),
    "nepali": (
        3,
        ("Sita", "Anjali", "Sabina", "Pratiksha", "Sunita"),
        ("Suman", "Bikash", "Rajesh", "Nabin", "Prakash"),
        ("Shrestha", "Gurung", "Thapa", "Tamang", "Rai", "Adhikari"),
    ),
    "latin": (
        2,
        ("Camila", "Valentina", "Daniela", "Lucia"),
        ("Diego", "Mateo", "Andres", "Javier"),
        ("Gonzalez", "Rodriguez", "Hernandez", "Lopez", "Silva"),
    ),
}

# English names some learners prefer to be called.
PREFERRED_NAMES = {
    "F": ("Annie", "Vivian", "Cindy", "Grace", "Jenny"),
    "M": ("Kevin", "Tony", "Eric", "Jason", "Michael"),
}

# (suburb, state, postcode, weight): mostly around the Parramatta and Liverpool campuses.
SUBURBS: tuple[tuple[str, str, str, int], ...] = (
    ("Parramatta", "NSW", "2150", 14),
    ("Harris Park", "NSW", "2150", 5),
    ("Westmead", "NSW", "2145", 5),
    ("Wentworthville", "NSW", "2145", 4),
    ("Merrylands", "NSW", "2160", 6),
    ("Granville", "NSW", "2142", 5),
    ("Auburn", "NSW", "2144", 5),
    ("Blacktown", "NSW", "2148", 7),
    ("Seven Hills", "NSW", "2147", 3),
    ("Castle Hill", "NSW", "2154", 3),
    ("Baulkham Hills", "NSW", "2153", 3),
    ("Rouse Hill", "NSW", "2155", 2),
    ("Mount Druitt", "NSW", "2770", 4),
    ("Penrith", "NSW", "2750", 4),
    ("Liverpool", "NSW", "2170", 9),
    ("Casula", "NSW", "2170", 3),
    ("Fairfield", "NSW", "2165", 5),
    ("Cabramatta", "NSW", "2166", 5),
    ("Bankstown", "NSW", "2200", 5),
    ("Campbelltown", "NSW", "2560", 3),
    ("Strathfield", "NSW", "2135", 2),
    ("Burwood", "NSW", "2134", 2),
    ("Ryde", "NSW", "2112", 2),
    ("Epping", "NSW", "2121", 2),
    ("Hornsby", "NSW", "2077", 1),
    ("Marrickville", "NSW", "2204", 1),
    ("Hurstville", "NSW", "2220", 2),
    ("Wollongong", "NSW", "2500", 1),
    ("Gosford", "NSW", "2250", 1),
    ("Queanbeyan", "NSW", "2620", 1),
    ("Canberra", "ACT", "2601", 1),
    ("Footscray", "VIC", "3011", 1),
    ("Dandenong", "VIC", "3175", 1),
    ("Southport", "QLD", "4215", 1),
    ("Toowoomba", "QLD", "4350", 1),
    ("Adelaide", "SA", "5000", 1),
    ("Hobart", "TAS", "7000", 1),
    ("Darwin", "NT", "0800", 1),
)

# Learners studying online from outside Australia (USI exemption INTOFF).
OVERSEAS_TOWNS = (
    "Suva, Fiji", "Port Moresby, Papua New Guinea", "Apia, Samoa", "Nuku'alofa, Tonga",
    "Dili, Timor-Leste",
)

STREETS = (
    "Church", "George", "Macquarie", "Station", "Victoria", "Albert", "Smith", "Wigram",
    "Marion", "Bridge", "Railway", "Park", "Hassall", "Pitt", "Elizabeth", "Moore", "Bigge",
    "Castlereagh", "Northumberland", "Pennant Hills", "Windsor", "Kent", "Oxford", "High",
)
STREET_TYPES = (
    "Street", "Street", "Street", "Road", "Road", "Avenue", "Parade", "Lane", "Crescent",
)

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

# ACMA's numbers for use in fiction: mobiles 0491 570 ..., landlines (0x) 5550 xxxx.
FICTIONAL_MOBILES = (
    "0491 570 006", "0491 570 156", "0491 570 157", "0491 570 158", "0491 570 159",
    "0491 570 110", "0491 570 313", "0491 570 737", "0491 571 266", "0491 571 491",
    "0491 571 804", "0491 572 549", "0491 572 665", "0491 572 983", "0491 573 770",
    "0491 573 087", "0491 574 118", "0491 574 632", "0491 575 254", "0491 575 789",
)
LANDLINE_AREA = {
    "NSW": "02", "ACT": "02", "VIC": "03", "TAS": "03",
    "QLD": "07", "SA": "08", "WA": "08", "NT": "08",
}

SPECIAL_REQUIREMENTS = (
    "Dyslexia: allow 25% extra time for written assessments.",
    "Uses a screen reader; provide learning materials as accessible Word documents.",
    "Hearing impaired: Auslan interpreter booked for practical assessments.",
    "Wheelchair user: timetable classes in ground-floor rooms.",
    "Type 1 diabetes: may need short breaks during practical sessions.",
    "Anxiety: prefers to present to the trainer alone rather than the group.",
    "Low vision: print handouts in 16-point type.",
    "Carer for a family member; may need flexible assessment dates.",
    "English is a second language: offer a glossary and verbal questioning.",
    "Left-handed knife kit required in the training kitchen.",
)

WITHDRAWAL_REASONS = (
    "Moved interstate for work.",
    "Personal and family reasons.",
    "Found full-time work and can no longer attend.",
    "Health reasons; may return to study later.",
    "Financial hardship.",
    "Course was not what the learner expected.",
)
DEFERRAL_REASONS = (
    "Deferred to the next intake: caring for a family member.",
    "Deferred on medical advice; resumes next intake.",
    "Deferred while travelling overseas.",
    "Deferred because of a change in work rosters.",
)

VERIFICATION_EVIDENCE = (
    "Verified in the USI Registry System: name and date of birth match.",
    "Verified in the USI Registry System at enrolment.",
    "Verified through the USI Registry System bulk verification.",
)

# AVETMISS client details, by background: {code: weight}; "" is "not stated". Codes are NCVER's
# (ABS SACC countries, ASCL languages).
_AUSTRALIA_MOSTLY = {"1101": 82, "2102": 6, "1201": 5, "2201": 2, "": 5}
COUNTRIES_OF_BIRTH = {
    "anglo": _AUSTRALIA_MOSTLY,
    "chinese": {"6101": 55, "6102": 10, "5203": 7, "1101": 24, "": 4},
    "vietnamese": {"5105": 58, "1101": 38, "": 4},
    "indian": {"7103": 70, "1502": 5, "1101": 21, "": 4},
    "arabic": {"4208": 25, "4204": 15, "4214": 10, "4102": 8, "1101": 38, "": 4},
    "mediterranean": {"1101": 72, "3104": 12, "3207": 10, "": 6},
    "filipino": {"5204": 72, "1101": 24, "": 4},
    "korean": {"6203": 85, "1101": 12, "": 3},
    "pacific": {"1508": 25, "1505": 25, "1201": 20, "1502": 10, "1101": 17, "": 3},
    "african": {"4111": 30, "9207": 20, "4105": 15, "9124": 10, "9115": 10, "1101": 12, "": 3},
    "nepali": {"7105": 90, "": 10},
    "latin": {"8205": 35, "8204": 25, "8201": 25, "1101": 10, "": 5},
}
OVERSEAS_COUNTRIES = {
    "Fiji": "1502",
    "Papua New Guinea": "1302",
    "Samoa": "1505",
    "Tonga": "1508",
    "Timor-Leste": "5206",
}
LANGUAGES = {
    "anglo": {"1201": 96, "": 4},
    "chinese": {"7104": 60, "7101": 28, "1201": 8, "": 4},
    "vietnamese": {"6302": 78, "1201": 18, "": 4},
    "indian": {"5203": 30, "5207": 28, "5202": 10, "5103": 8, "1201": 20, "": 4},
    "arabic": {"4202": 82, "1201": 14, "": 4},
    "mediterranean": {"1201": 50, "2401": 24, "2201": 22, "": 4},
    "filipino": {"6512": 45, "6511": 30, "1201": 22, "": 3},
    "korean": {"7301": 90, "1201": 7, "": 3},
    "pacific": {"1201": 92, "": 8},
    "african": {"1201": 45, "4202": 30, "": 25},
    "nepali": {"5206": 92, "": 8},
    "latin": {"2303": 85, "1201": 10, "": 5},
}
ENGLISH_PROFICIENCY = {"1": 48, "2": 34, "3": 12, "4": 2, "": 4}
INDIGENOUS = {"4": 86, "1": 5, "2": 1, "3": 1, "": 7}
INDIGENOUS_OVERSEAS_BORN = {"4": 94, "": 6}
SCHOOL_LEVELS = {"12": 55, "11": 12, "10": 20, "09": 5, "08": 3, "02": 1, "": 4}
AT_SCHOOL = {"N": 95, "": 5}
AT_SCHOOL_YOUNG = {"Y": 30, "N": 65, "": 5}
LABOUR_FORCE = {
    "01": 34, "02": 24, "03": 5, "04": 2, "05": 1, "06": 11, "07": 6, "08": 12, "": 5,
}
DISABILITY = {"N": 84, "Y": 8, "": 8}
DISABILITY_TYPES = ("11", "12", "13", "14", "15", "16", "17", "18", "19")
DISABILITY_FROM_NEEDS = {
    "Dyslexia: allow 25% extra time for written assessments.": ["14"],
    "Uses a screen reader; provide learning materials as accessible Word documents.": ["17"],
    "Hearing impaired: Auslan interpreter booked for practical assessments.": ["11"],
    "Wheelchair user: timetable classes in ground-floor rooms.": ["12"],
    "Type 1 diabetes: may need short breaks during practical sessions.": ["18"],
    "Anxiety: prefers to present to the trainer alone rather than the group.": ["15"],
    "Low vision: print handouts in 16-point type.": ["17"],
}
PRIOR_EDUCATION = {"Y": 46, "N": 47, "": 7}
PRIOR_ACHIEVEMENTS = ("008", "410", "420", "511", "514", "521", "990")

# The demo RTO's staff. Usernames are fixed so the logins are easy to type.
STAFF = (
    # username, role, first name, last name, position
    ("owner", "Owner", "Margaret", "Okafor", "Chief Executive Officer"),
    ("admin", "Admin", "Daniel", "Nguyen", "Compliance Manager"),
    ("user", "User", "Sophie", "Clarke", "Student Services Officer"),
)
SIGNATORIES = (
    ("Margaret Okafor", "Chief Executive Officer"),
    ("Peter Vlahos", "Head of Training and Assessment"),
)
TRAINERS = ("Rachel Thompson", "Fatima Haddad", "Anh Tran", "Marco Rossi", "Ben Walker")
# fmt: on
