"""A demo school: students, courses, grades, holds, accounts and a few orders.

``create_demo_school`` fills an empty database with a realistic Taiwanese university: ten
departments, bachelor's, master's and doctoral students with Taiwanese names (some with rare
Extension B characters, some indigenous names with a middle dot), international students with
resident-certificate numbers, grades over several semesters, a few holds, the demo staff and
applicant accounts, and some orders so that the registrar's desk is not empty.

The school is planned in plain Python from a seeded ``random.Random`` (so it is the same for a
seed and a date) and then written with bulk inserts. Writing skips whatever already exists by
its natural key (student number, course code, e-mail), and a second run returns as soon as it
sees the demo accounts linked to their students: the demo start script runs this every time.

English names are stored as a registrar stores them from the passport, surname first. The
romanization of a Chinese name cannot be derived from its characters (four systems are in use
in Taiwan, and people keep the spelling they were first given), so given-name syllables carry
their Wade-Giles, Hanyu Pinyin and Tongyong spellings in a table, and each student's passport
uses one of them.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sealpost.records import nationalid

DEMO_PASSWORD = "demo-pass-2026"
DEMO_DOMAIN = "demo.sealpost.test"

# (role, e-mail, full name, language, featured student key or None)
DEMO_ACCOUNTS = [
    ("clerk", f"clerk@{DEMO_DOMAIN}", "王美玲", "zh-hant", None),
    ("officer", f"officer@{DEMO_DOMAIN}", "張志明", "zh-hant", None),
    ("auditor", f"auditor@{DEMO_DOMAIN}", "李淑芬", "zh-hant", None),
    ("applicant", f"alumnus@{DEMO_DOMAIN}", "陳大偉", "zh-hant", "alumnus"),
    ("applicant", f"student@{DEMO_DOMAIN}", "林郁婷", "zh-hant", "student"),
    ("applicant", f"intl@{DEMO_DOMAIN}", "NGUYEN, VAN AN", "en", "intl"),
]
DEMO_EMAILS = [a[1] for a in DEMO_ACCOUNTS]
APPLICANT_EMAILS = [a[1] for a in DEMO_ACCOUNTS if a[4]]

# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

# The most common surnames in Taiwan (household registration statistics, rounded, per cent)
# with the spelling most families carry in their passports.
SURNAMES = [
    ("陳", "CHEN", 11.1), ("林", "LIN", 8.3), ("黃", "HUANG", 6.0), ("張", "CHANG", 5.3),
    ("李", "LEE", 5.1), ("王", "WANG", 4.1), ("吳", "WU", 4.0), ("劉", "LIU", 3.2),
    ("蔡", "TSAI", 2.9), ("楊", "YANG", 2.6), ("許", "HSU", 2.3), ("鄭", "CHENG", 1.9),
    ("謝", "HSIEH", 1.9), ("郭", "KUO", 1.7), ("洪", "HUNG", 1.6), ("曾", "TSENG", 1.5),
    ("邱", "CHIU", 1.5), ("廖", "LIAO", 1.4), ("賴", "LAI", 1.4), ("周", "CHOU", 1.3),
    ("徐", "HSU", 1.2), ("蘇", "SU", 1.2), ("葉", "YEH", 1.1), ("莊", "CHUANG", 1.1),
    ("呂", "LU", 1.0), ("江", "CHIANG", 1.0), ("何", "HO", 0.9), ("蕭", "HSIAO", 0.9),
    ("羅", "LO", 0.9), ("高", "KAO", 0.8), ("潘", "PAN", 0.6), ("簡", "CHIEN", 0.6),
    ("朱", "CHU", 0.6), ("鍾", "CHUNG", 0.6), ("彭", "PENG", 0.6), ("游", "YU", 0.6),
    ("詹", "CHAN", 0.5), ("胡", "HU", 0.5), ("施", "SHIH", 0.5), ("沈", "SHEN", 0.5),
]  # fmt: skip

# Given-name syllables: (Wade-Giles, Hanyu Pinyin, Tongyong Pinyin), as seen in passports.
SYLLABLES = {
    "冠": ("KUAN", "GUAN", "GUAN"), "宗": ("TSUNG", "ZONG", "ZONG"), "承": ("CHENG", "CHENG", "CHENG"),
    "柏": ("PO", "BO", "BO"), "家": ("CHIA", "JIA", "JIA"), "俊": ("CHUN", "JUN", "JYUN"),
    "志": ("CHIH", "ZHI", "JHIH"), "建": ("CHIEN", "JIAN", "JIAN"), "宏": ("HUNG", "HONG", "HONG"),
    "育": ("YU", "YU", "YU"), "彥": ("YEN", "YAN", "YAN"), "明": ("MING", "MING", "MING"),
    "信": ("HSIN", "XIN", "SIN"), "子": ("TZU", "ZI", "ZIH"), "偉": ("WEI", "WEI", "WEI"),
    "維": ("WEI", "WEI", "WEI"), "文": ("WEN", "WEN", "WUN"), "國": ("KUO", "GUO", "GUO"),
    "仁": ("JEN", "REN", "REN"), "德": ("TE", "DE", "DE"), "大": ("TA", "DA", "DA"),
    "立": ("LI", "LI", "LI"), "晉": ("CHIN", "JIN", "JIN"), "瑞": ("JUI", "RUI", "RUEI"),
    "凱": ("KAI", "KAI", "KAI"), "宇": ("YU", "YU", "YU"), "豪": ("HAO", "HAO", "HAO"),
    "翰": ("HAN", "HAN", "HAN"), "廷": ("TING", "TING", "TING"), "傑": ("CHIEH", "JIE", "JIE"),
    "哲": ("CHE", "ZHE", "JHE"), "軒": ("HSUAN", "XUAN", "SYUAN"), "安": ("AN", "AN", "AN"),
    "達": ("TA", "DA", "DA"), "彬": ("PIN", "BIN", "BIN"), "鈞": ("CHUN", "JUN", "JYUN"),
    "恩": ("EN", "EN", "EN"), "辰": ("CHEN", "CHEN", "CHEN"), "瑋": ("WEI", "WEI", "WEI"),
    "昱": ("YU", "YU", "YU"), "賢": ("HSIEN", "XIAN", "SIAN"), "銘": ("MING", "MING", "MING"),
    "祐": ("YU", "YOU", "YOU"), "雅": ("YA", "YA", "YA"), "怡": ("YI", "YI", "YI"),
    "佳": ("CHIA", "JIA", "JIA"), "詩": ("SHIH", "SHI", "SHIH"), "欣": ("HSIN", "XIN", "SIN"),
    "思": ("SSU", "SI", "SIH"), "品": ("PIN", "PIN", "PIN"), "宜": ("YI", "YI", "YI"),
    "婉": ("WAN", "WAN", "WAN"), "筱": ("HSIAO", "XIAO", "SIAO"), "郁": ("YU", "YU", "YU"),
    "心": ("HSIN", "XIN", "SIN"), "靜": ("CHING", "JING", "JING"), "淑": ("SHU", "SHU", "SHU"),
    "美": ("MEI", "MEI", "MEI"), "惠": ("HUI", "HUI", "HUEI"), "婷": ("TING", "TING", "TING"),
    "君": ("CHUN", "JUN", "JYUN"), "涵": ("HAN", "HAN", "HAN"), "萱": ("HSUAN", "XUAN", "SYUAN"),
    "琪": ("CHI", "QI", "CI"), "妤": ("YU", "YU", "YU"), "庭": ("TING", "TING", "TING"),
    "蓁": ("CHEN", "ZHEN", "JHEN"), "瑜": ("YU", "YU", "YU"), "慧": ("HUI", "HUI", "HUEI"),
    "伶": ("LING", "LING", "LING"), "玲": ("LING", "LING", "LING"), "芬": ("FEN", "FEN", "FEN"),
    "儀": ("YI", "YI", "YI"), "真": ("CHEN", "ZHEN", "JHEN"), "如": ("JU", "RU", "RU"),
    "晴": ("CHING", "QING", "CING"), "瑄": ("HSUAN", "XUAN", "SYUAN"), "亭": ("TING", "TING", "TING"),
}  # fmt: skip
ROMANIZATIONS = ("wade-giles", "hanyu", "tongyong")
ROMANIZATION_WEIGHTS = (76, 12, 12)

GIVEN_FIRST = {"M": "冠宗承柏家俊志建宏育彥明信子偉維文國仁德立晉瑞凱昱祐", "F": "雅怡佳詩欣思品子宜婉筱郁心靜淑美惠家"}
GIVEN_SECOND = {"M": "宇豪翰廷傑哲宏軒安偉達文明彬鈞恩辰瑋賢銘廷宇", "F": "婷君涵萱琪妤庭蓁文瑜慧伶玲芬儀真如晴瑄亭"}

# Names with characters outside the Basic Multilingual Plane (CJK Extension B, and one from
# Extension C): the ones documents most often fail to draw. English names as in the passport.
RARE_NAMES = [
    ("陳𡒄宏", "CHEN, HSIN-HUNG", "M"),  # U+21484
    ("李𠮟文", "LEE, CHIH-WEN", "M"),  # U+20B9F
    ("黃𠀋琪", "HUANG, CHU-CHI", "F"),  # U+2000B
    ("張𡘙婷", "CHANG, TAI-TING", "F"),  # U+21619
    ("蔡𪜶宏", "TSAI, YIN-HUNG", "M"),  # U+2A736 (Extension C)
]
# Indigenous names are written with a middle dot between personal and father's/family name.
INDIGENOUS_NAMES = [
    ("伊萬·巴尚", "PASANG, IWAN", "M"),
    ("馬耀·谷辣斯", "KOLAS, MAYAW", "M"),
    ("莎韻·尤幹", "YUKAN, SAYUN", "F"),
]
# International students: passport name, Chinese name if they use one.
INTERNATIONAL_NAMES = [
    ("阮文安", "NGUYEN, VAN AN", "M"),
    ("陳氏梅", "TRAN, THI MAI", "F"),
    ("約翰·史密斯", "SMITH, JOHN", "M"),
    ("林偉傑", "LIM, WEI JIE", "M"),
    ("", "SANTOSO, BUDI", "M"),
    ("黎明俊", "LE, MINH TUAN", "M"),
    ("", "PHAM, THU HA", "F"),
    ("陳慧敏", "TAN, HUI MIN", "F"),
    ("", "KUMAR, RAHUL", "M"),
    ("田中由紀", "TANAKA, YUKI", "F"),
    ("金敏俊", "KIM, MIN-JUN", "M"),
    ("", "WIJAYA, DEWI", "F"),
    ("克萊兒·杜布瓦", "DUBOIS, CLAIRE", "F"),
    ("", "SRISUK, KANYA", "F"),
    ("", "AUNG, KYAW ZIN", "M"),
    ("", "DELA CRUZ, MARIA", "F"),
    ("", "MUELLER, ANNA", "F"),
    ("", "GARCIA, SOFIA", "F"),
]

# Household-registration letters (the first character of a national ID), weighted roughly by
# population: Taipei, New Taipei, Taoyuan, Taichung, Kaohsiung, Tainan, ...
ID_LETTERS = "AFHBEDJOKNPQITGUCVMXW"
ID_LETTER_WEIGHTS = (20, 18, 12, 10, 8, 6, 4, 3, 3, 3, 2, 2, 1, 2, 2, 2, 2, 1, 1, 1, 1)

# ---------------------------------------------------------------------------------------------
# Departments and courses
# ---------------------------------------------------------------------------------------------

DEGREES = {  # family: (bachelor, master, doctoral) as (zh, en)
    "arts": (("文學士", "Bachelor of Arts"), ("文學碩士", "Master of Arts"), ("文學博士", "Doctor of Philosophy")),
    "science": (("理學士", "Bachelor of Science"), ("理學碩士", "Master of Science"),
                ("理學博士", "Doctor of Philosophy")),
    "engineering": (("工學士", "Bachelor of Engineering"), ("工學碩士", "Master of Engineering"),
                    ("工學博士", "Doctor of Philosophy")),
    "business": (("商學士", "Bachelor of Business Administration"),
                 ("商學碩士", "Master of Business Administration"), ("商學博士", "Doctor of Philosophy")),
}  # fmt: skip


@dataclass(frozen=True)
class Department:
    code: str
    number: int
    zh: str
    en: str
    family: str
    weight: int
    plan: tuple  # (course code, semester 1..8) for the bachelor's programme
    electives: tuple  # course codes
    graduate: tuple  # course codes (the seminar last)


# Courses: code -> (title_zh, title_en, credits)
COURSES: dict[str, tuple[str, str, int]] = {
    # General education and first-year common courses
    "GE1001": ("大一國文(一)", "Freshman Chinese (I)", 2),
    "GE1002": ("大一國文(二)", "Freshman Chinese (II)", 2),
    "GE1003": ("大一英文(一)", "Freshman English (I)", 2),
    "GE1004": ("大一英文(二)", "Freshman English (II)", 2),
    "GE2001": ("進階英文", "Advanced English", 2),
    "GE3001": ("臺灣史", "History of Taiwan", 2),
    "GE3002": ("哲學概論", "Introduction to Philosophy", 2),
    "GE3003": ("藝術欣賞", "Art Appreciation", 2),
    "GE3004": ("科技與社會", "Science, Technology and Society", 2),
    "GE3005": ("環境與永續發展", "Environment and Sustainable Development", 2),
    "GE3006": ("法律與生活", "Law in Everyday Life", 2),
    "GE3007": ("心理學概論", "Introduction to Psychology", 2),
    "GE3008": ("音樂欣賞", "Music Appreciation", 2),
    "GE3009": ("性別與社會", "Gender and Society", 2),
    "GE3010": ("生命科學概論", "Introduction to Life Sciences", 2),
    "GE3011": ("日語入門", "Elementary Japanese", 2),
    "GE3012": ("天文學概論", "Introduction to Astronomy", 2),
    "GE3013": ("創意思考", "Creative Thinking", 1),
    "GE3014": ("服務學習", "Service Learning", 1),
    "GE3015": ("媒體素養", "Media Literacy", 2),
    "MA1001": ("微積分(一)", "Calculus (I)", 3),
    "MA1002": ("微積分(二)", "Calculus (II)", 3),
    "PH1001": ("普通物理(一)", "General Physics (I)", 3),
    "PH1002": ("普通物理(二)", "General Physics (II)", 3),
    # Computer Science and Information Engineering
    "CE1001": ("計算機概論", "Introduction to Computer Science", 3),
    "CE1002": ("程式設計", "Computer Programming", 3),
    "CE2001": ("離散數學", "Discrete Mathematics", 3),
    "CE2002": ("資料結構", "Data Structures", 3),
    "CE2003": ("數位邏輯設計", "Digital Logic Design", 3),
    "CE2004": ("線性代數", "Linear Algebra", 3),
    "CE3001": ("演算法", "Algorithms", 3),
    "CE3002": ("計算機組織", "Computer Organization", 3),
    "CE3003": ("作業系統", "Operating Systems", 3),
    "CE3004": ("計算機網路", "Computer Networks", 3),
    "CE4001": ("編譯器", "Compilers", 3),
    "CE4002": ("專題研究", "Undergraduate Research Project", 2),
    "CE3101": ("資料庫系統", "Database Systems", 3),
    "CE3102": ("機器學習導論", "Introduction to Machine Learning", 3),
    "CE3103": ("軟體工程", "Software Engineering", 3),
    "CE4101": ("資訊安全", "Information Security", 3),
    "CE6001": ("高等演算法", "Advanced Algorithms", 3),
    "CE6002": ("深度學習", "Deep Learning", 3),
    "CE6003": ("分散式系統", "Distributed Systems", 3),
    "CE6004": ("密碼學", "Cryptography", 3),
    "CE6005": ("自然語言處理", "Natural Language Processing", 3),
    "CE7000": ("書報討論", "Seminar", 1),
    # Electrical Engineering
    "EE1001": ("計算機程式", "Computer Programming", 3),
    "EE1002": ("電機工程概論", "Introduction to Electrical Engineering", 2),
    "EE2001": ("電路學", "Electric Circuits", 3),
    "EE2002": ("工程數學", "Engineering Mathematics", 3),
    "EE2003": ("電子學(一)", "Electronics (I)", 3),
    "EE2004": ("電磁學", "Electromagnetics", 3),
    "EE3001": ("電子學(二)", "Electronics (II)", 3),
    "EE3002": ("訊號與系統", "Signals and Systems", 3),
    "EE3003": ("控制系統", "Control Systems", 3),
    "EE3004": ("通訊原理", "Principles of Communications", 3),
    "EE4001": ("電機專題", "Electrical Engineering Project", 2),
    "EE3101": ("數位訊號處理", "Digital Signal Processing", 3),
    "EE3102": ("電力系統", "Power Systems", 3),
    "EE3103": ("半導體元件", "Semiconductor Devices", 3),
    "EE4101": ("嵌入式系統", "Embedded Systems", 3),
    "EE6001": ("積體電路設計", "Integrated Circuit Design", 3),
    "EE6002": ("無線通訊", "Wireless Communications", 3),
    "EE6003": ("最佳化理論", "Optimization Theory", 3),
    "EE6004": ("隨機過程", "Random Processes", 3),
    "EE6005": ("電力電子學", "Power Electronics", 3),
    "EE7000": ("書報討論", "Seminar", 1),
    # Civil Engineering
    "CV1001": ("工程圖學", "Engineering Graphics", 2),
    "CV1002": ("靜力學", "Statics", 3),
    "CV2001": ("材料力學", "Mechanics of Materials", 3),
    "CV2002": ("測量學", "Surveying", 3),
    "CV2003": ("流體力學", "Fluid Mechanics", 3),
    "CV2004": ("工程地質", "Engineering Geology", 2),
    "CV3001": ("結構學", "Structural Analysis", 3),
    "CV3002": ("土壤力學", "Soil Mechanics", 3),
    "CV3003": ("鋼筋混凝土", "Reinforced Concrete", 3),
    "CV3004": ("水文學", "Hydrology", 3),
    "CV4001": ("基礎工程", "Foundation Engineering", 3),
    "CV3101": ("交通工程", "Traffic Engineering", 3),
    "CV3102": ("營建管理", "Construction Management", 3),
    "CV3103": ("鋼結構設計", "Steel Structure Design", 3),
    "CV4101": ("地震工程概論", "Introduction to Earthquake Engineering", 3),
    "CV6001": ("高等結構動力學", "Advanced Structural Dynamics", 3),
    "CV6002": ("有限元素法", "Finite Element Method", 3),
    "CV6003": ("大地工程特論", "Topics in Geotechnical Engineering", 3),
    "CV6004": ("防災科技", "Disaster Prevention Technology", 3),
    "CV6005": ("水資源規劃", "Water Resources Planning", 3),
    "CV7000": ("書報討論", "Seminar", 1),
    # Mathematics
    "MA1101": ("線性代數(一)", "Linear Algebra (I)", 3),
    "MA1102": ("線性代數(二)", "Linear Algebra (II)", 3),
    "MA2001": ("高等微積分(一)", "Advanced Calculus (I)", 3),
    "MA2002": ("高等微積分(二)", "Advanced Calculus (II)", 3),
    "MA2003": ("常微分方程", "Ordinary Differential Equations", 3),
    "MA2004": ("機率論", "Probability", 3),
    "MA3001": ("代數學(一)", "Abstract Algebra (I)", 3),
    "MA3002": ("複變函數論", "Complex Analysis", 3),
    "MA3003": ("數值分析", "Numerical Analysis", 3),
    "MA3004": ("實變函數論", "Real Analysis", 3),
    "MA4001": ("拓樸學", "Topology", 3),
    "MA3101": ("數理統計", "Mathematical Statistics", 3),
    "MA3102": ("偏微分方程", "Partial Differential Equations", 3),
    "MA3103": ("數論", "Number Theory", 3),
    "MA4101": ("微分幾何", "Differential Geometry", 3),
    "MA6001": ("實分析", "Graduate Real Analysis", 3),
    "MA6002": ("代數", "Graduate Algebra", 3),
    "MA6003": ("泛函分析", "Functional Analysis", 3),
    "MA6004": ("數值偏微分方程", "Numerical Partial Differential Equations", 3),
    "MA6005": ("機率論特論", "Topics in Probability", 3),
    "MA7000": ("書報討論", "Seminar", 1),
    # Physics
    "PH1101": ("普通物理實驗", "General Physics Laboratory", 1),
    "PH2001": ("應用數學", "Mathematical Physics", 3),
    "PH2002": ("古典力學", "Classical Mechanics", 3),
    "PH2003": ("電磁學(一)", "Electromagnetism (I)", 3),
    "PH2004": ("近代物理", "Modern Physics", 3),
    "PH3001": ("量子力學(一)", "Quantum Mechanics (I)", 3),
    "PH3002": ("熱物理", "Thermal Physics", 3),
    "PH3003": ("量子力學(二)", "Quantum Mechanics (II)", 3),
    "PH3004": ("電子學實驗", "Electronics Laboratory", 2),
    "PH4001": ("固態物理", "Solid State Physics", 3),
    "PH3101": ("光學", "Optics", 3),
    "PH3102": ("天文物理導論", "Introduction to Astrophysics", 3),
    "PH3103": ("計算物理", "Computational Physics", 3),
    "PH4101": ("粒子物理導論", "Introduction to Particle Physics", 3),
    "PH6001": ("高等量子力學", "Advanced Quantum Mechanics", 3),
    "PH6002": ("統計力學", "Statistical Mechanics", 3),
    "PH6003": ("電動力學", "Classical Electrodynamics", 3),
    "PH6004": ("凝態物理", "Condensed Matter Physics", 3),
    "PH6005": ("電漿物理", "Plasma Physics", 3),
    "PH7000": ("書報討論", "Seminar", 1),
    # Atmospheric Sciences
    "AS1001": ("大氣科學概論", "Introduction to Atmospheric Sciences", 3),
    "AS1002": ("地球科學概論", "Introduction to Earth Sciences", 2),
    "AS2001": ("大氣熱力學", "Atmospheric Thermodynamics", 3),
    "AS2002": ("天氣學", "Synoptic Meteorology", 3),
    "AS2003": ("程式語言與應用", "Programming for Atmospheric Sciences", 3),
    "AS3001": ("大氣動力學(一)", "Atmospheric Dynamics (I)", 3),
    "AS3002": ("雲物理學", "Cloud Physics", 3),
    "AS3003": ("大氣動力學(二)", "Atmospheric Dynamics (II)", 3),
    "AS3004": ("大氣輻射學", "Atmospheric Radiation", 3),
    "AS4001": ("數值天氣預報", "Numerical Weather Prediction", 3),
    "AS3101": ("颱風學", "Typhoon Meteorology", 3),
    "AS3102": ("氣候變遷", "Climate Change", 3),
    "AS3103": ("大氣遙測", "Atmospheric Remote Sensing", 3),
    "AS4101": ("空氣污染", "Air Pollution", 3),
    "AS6001": ("高等大氣動力學", "Advanced Atmospheric Dynamics", 3),
    "AS6002": ("中尺度氣象學", "Mesoscale Meteorology", 3),
    "AS6003": ("資料同化", "Data Assimilation", 3),
    "AS6004": ("雷達氣象學", "Radar Meteorology", 3),
    "AS6005": ("氣候動力學", "Climate Dynamics", 3),
    "AS7000": ("書報討論", "Seminar", 1),
    # Chinese Literature
    "CL1001": ("文學概論", "Introduction to Literature", 3),
    "CL1002": ("文字學", "Chinese Philology", 3),
    "CL1003": ("聲韻學", "Chinese Phonology", 3),
    "CL1004": ("詩選", "Selected Readings in Classical Poetry", 3),
    "CL2001": ("訓詁學", "Chinese Exegetics", 3),
    "CL2002": ("中國文學史(一)", "History of Chinese Literature (I)", 3),
    "CL2003": ("中國文學史(二)", "History of Chinese Literature (II)", 3),
    "CL2004": ("詞選", "Selected Readings in Ci Poetry", 2),
    "CL3001": ("論語", "The Analects", 2),
    "CL3002": ("現代文學", "Modern Chinese Literature", 3),
    "CL3003": ("文心雕龍", "The Literary Mind and the Carving of Dragons", 2),
    "CL3004": ("臺灣文學", "Taiwanese Literature", 3),
    "CL4001": ("中國思想史", "History of Chinese Thought", 3),
    "CL3101": ("紅樓夢研究", "Studies in Dream of the Red Chamber", 2),
    "CL3102": ("現代詩創作", "Modern Poetry Writing", 2),
    "CL3103": ("戲曲選讀", "Readings in Chinese Drama", 2),
    "CL4101": ("史記", "Records of the Grand Historian", 3),
    "CL6001": ("經學研究", "Studies in the Confucian Classics", 3),
    "CL6002": ("明清小說專題", "Topics in Ming-Qing Fiction", 3),
    "CL6003": ("文學理論專題", "Topics in Literary Theory", 3),
    "CL6004": ("古典詩學", "Classical Chinese Poetics", 3),
    "CL6005": ("臺灣文學專題", "Topics in Taiwanese Literature", 3),
    "CL7000": ("書報討論", "Seminar", 1),
    # English
    "EN1001": ("英文作文(一)", "English Composition (I)", 3),
    "EN1002": ("英文作文(二)", "English Composition (II)", 3),
    "EN1003": ("西洋文學概論", "Introduction to Western Literature", 3),
    "EN1004": ("英語口語訓練", "English Oral Training", 2),
    "EN2001": ("英國文學史", "History of English Literature", 3),
    "EN2002": ("語言學概論", "Introduction to Linguistics", 3),
    "EN2003": ("美國文學史", "History of American Literature", 3),
    "EN2004": ("英文文法", "English Grammar", 2),
    "EN3001": ("莎士比亞", "Shakespeare", 3),
    "EN3002": ("翻譯", "Translation", 2),
    "EN3003": ("小說選讀", "Readings in Fiction", 3),
    "EN3004": ("英語教學概論", "Introduction to TESOL", 3),
    "EN4001": ("文學批評", "Literary Criticism", 3),
    "EN3101": ("英詩選讀", "Readings in English Poetry", 3),
    "EN3102": ("戲劇選讀", "Readings in Drama", 3),
    "EN3103": ("社會語言學", "Sociolinguistics", 3),
    "EN4101": ("電影與文學", "Film and Literature", 3),
    "EN6001": ("英語教學研究", "Research in English Language Teaching", 3),
    "EN6002": ("第二語言習得", "Second Language Acquisition", 3),
    "EN6003": ("文化研究", "Cultural Studies", 3),
    "EN6004": ("後殖民文學", "Postcolonial Literature", 3),
    "EN6005": ("研究方法", "Research Methods", 3),
    "EN7000": ("書報討論", "Seminar", 1),
    # Business Administration
    "BA1001": ("經濟學(一)", "Economics (I)", 3),
    "BA1002": ("經濟學(二)", "Economics (II)", 3),
    "BA1003": ("會計學(一)", "Accounting (I)", 3),
    "BA1004": ("會計學(二)", "Accounting (II)", 3),
    "BA1005": ("管理學", "Management", 3),
    "BA2001": ("統計學(一)", "Statistics (I)", 3),
    "BA2002": ("統計學(二)", "Statistics (II)", 3),
    "BA2003": ("組織行為", "Organizational Behavior", 3),
    "BA2004": ("行銷管理", "Marketing Management", 3),
    "BA3001": ("財務管理", "Financial Management", 3),
    "BA3002": ("作業管理", "Operations Management", 3),
    "BA3003": ("人力資源管理", "Human Resource Management", 3),
    "BA3004": ("商事法", "Business Law", 2),
    "BA4001": ("策略管理", "Strategic Management", 3),
    "BA3101": ("消費者行為", "Consumer Behavior", 3),
    "BA3102": ("投資學", "Investments", 3),
    "BA3103": ("國際企業管理", "International Business Management", 3),
    "BA4101": ("創業管理", "Entrepreneurship", 3),
    "BA6001": ("管理經濟學", "Managerial Economics", 3),
    "BA6002": ("行銷研究", "Marketing Research", 3),
    "BA6003": ("公司理財", "Corporate Finance", 3),
    "BA6004": ("組織理論", "Organization Theory", 3),
    "BA6005": ("研究方法論", "Research Methodology", 3),
    "BA7000": ("書報討論", "Seminar", 1),
    # Information Management
    "IM1001": ("計算機概論", "Introduction to Computers", 3),
    "IM1002": ("程式設計", "Programming", 3),
    "IM1003": ("會計學", "Accounting", 3),
    "IM2001": ("資料結構", "Data Structures", 3),
    "IM2002": ("統計學", "Statistics", 3),
    "IM2003": ("資料庫管理", "Database Management", 3),
    "IM2004": ("管理學", "Management", 3),
    "IM3001": ("系統分析與設計", "Systems Analysis and Design", 3),
    "IM3002": ("作業研究", "Operations Research", 3),
    "IM3003": ("電子商務", "Electronic Commerce", 3),
    "IM3004": ("資訊安全管理", "Information Security Management", 3),
    "IM4001": ("資訊管理專題", "Information Management Project", 2),
    "IM3101": ("資料探勘", "Data Mining", 3),
    "IM3102": ("企業資源規劃", "Enterprise Resource Planning", 3),
    "IM3103": ("網路程式設計", "Web Programming", 3),
    "IM4101": ("人工智慧導論", "Introduction to Artificial Intelligence", 3),
    "IM6001": ("資訊管理研究方法", "Research Methods in Information Management", 3),
    "IM6002": ("商業智慧", "Business Intelligence", 3),
    "IM6003": ("資訊經濟學", "Information Economics", 3),
    "IM6004": ("社群網路分析", "Social Network Analysis", 3),
    "IM6005": ("推薦系統", "Recommender Systems", 3),
    "IM7000": ("書報討論", "Seminar", 1),
}


def _dept(code, number, zh, en, family, weight, plan):
    plan = tuple((c, s) for s, codes in enumerate(plan, 1) for c in codes.split())
    return Department(
        code, number, zh, en, family, weight, plan,
        electives=tuple(f"{code}{n}" for n in ("3101", "3102", "3103", "4101")),
        graduate=tuple(f"{code}{n}" for n in ("6001", "6002", "6003", "6004", "6005", "7000")),
    )  # fmt: skip


# Bachelor's plans: the department's courses for semesters 1 to 7 (semester 8 is electives).
DEPARTMENTS = [
    _dept("CL", 1, "中國文學系", "Department of Chinese Literature", "arts", 8,
          ["CL1001 CL1002", "CL1003 CL1004", "CL2001 CL2002", "CL2003 CL2004", "CL3001 CL3002",
           "CL3003 CL3004", "CL4001"]),
    _dept("EN", 2, "英美語文學系", "Department of English", "arts", 8,
          ["EN1001 EN1003", "EN1002 EN1004", "EN2001 EN2002", "EN2003 EN2004", "EN3001 EN3002",
           "EN3003 EN3004", "EN4001"]),
    _dept("MA", 3, "數學系", "Department of Mathematics", "science", 8,
          ["MA1001 MA1101", "MA1002 MA1102", "MA2001 MA2003", "MA2002 MA2004", "MA3001 MA3002",
           "MA3003 MA3004", "MA4001"]),
    _dept("PH", 4, "物理學系", "Department of Physics", "science", 8,
          ["MA1001 PH1001 PH1101", "MA1002 PH1002", "PH2001 PH2002", "PH2003 PH2004", "PH3001 PH3002",
           "PH3003 PH3004", "PH4001"]),
    _dept("AS", 5, "大氣科學學系", "Department of Atmospheric Sciences", "science", 6,
          ["MA1001 PH1001 AS1001", "MA1002 PH1002 AS1002", "AS2001 AS2003", "AS2002", "AS3001 AS3002",
           "AS3003 AS3004", "AS4001"]),
    _dept("CE", 6, "資訊工程學系", "Department of Computer Science and Information Engineering", "engineering", 14,
          ["MA1001 PH1001 CE1001", "MA1002 PH1002 CE1002", "CE2001 CE2002", "CE2003 CE2004",
           "CE3001 CE3002", "CE3003 CE3004", "CE4001 CE4002"]),
    _dept("EE", 7, "電機工程學系", "Department of Electrical Engineering", "engineering", 13,
          ["MA1001 PH1001 EE1001", "MA1002 PH1002 EE1002", "EE2001 EE2002", "EE2003 EE2004",
           "EE3001 EE3002", "EE3003 EE3004", "EE4001"]),
    _dept("CV", 8, "土木工程學系", "Department of Civil Engineering", "engineering", 9,
          ["MA1001 PH1001 CV1001", "MA1002 CV1002", "CV2001 CV2002", "CV2003 CV2004", "CV3001 CV3002",
           "CV3003 CV3004", "CV4001"]),
    _dept("BA", 9, "企業管理學系", "Department of Business Administration", "business", 12,
          ["MA1001 BA1001 BA1003", "BA1002 BA1004 BA1005", "BA2001 BA2003", "BA2002 BA2004",
           "BA3001 BA3002", "BA3003 BA3004", "BA4001"]),
    _dept("IM", 10, "資訊管理學系", "Department of Information Management", "business", 12,
          ["MA1001 BA1001 IM1001", "IM1002 IM1003", "IM2001 IM2002", "IM2003 IM2004", "IM3001 IM3002",
           "IM3003 IM3004", "IM4001"]),
]  # fmt: skip
DEPARTMENTS_BY_CODE = {d.code: d for d in DEPARTMENTS}

GE_PLAN = {1: ["GE1001", "GE1003"], 2: ["GE1002", "GE1004"], 3: ["GE2001"]}
GE_ELECTIVES = [f"GE30{n:02d}" for n in range(1, 16)]

PROGRAMME_DIGIT = {"bachelor": "1", "master": "5", "doctoral": "8"}

HOLD_KINDS = [
    # (reference prefix, reason, office to contact, weight)
    ("FEE", "學雜費未繳 Tuition and fees unpaid", "總務處出納組 Cashier Section, Office of General Affairs", 5),
    ("LIB", "圖書逾期未還 Library books overdue", "圖書館典藏流通組 Library Circulation Desk", 4),
    ("DORM", "宿舍費未繳 Dormitory fees unpaid",
     "學務處住宿服務組 Housing Service Section, Office of Student Affairs", 1),
]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# The academic calendar
# ---------------------------------------------------------------------------------------------


def academic_year(day: datetime.date) -> int:
    """The ROC academic year a day falls in (it starts on 1 August)."""
    return day.year - 1911 - (0 if day.month >= 8 else 1)


def semester_end(ay: int, term: int) -> datetime.date:
    year = ay + 1912
    return datetime.date(year, 1, 31) if term == 1 else datetime.date(year, 7, 31)


def semesters_from(ay: int, count: int) -> list[tuple[int, int]]:
    return [(ay + i // 2, 1 + i % 2) for i in range(count)]


# ---------------------------------------------------------------------------------------------
# Planning (pure Python, deterministic for a seed and a date)
# ---------------------------------------------------------------------------------------------


@dataclass
class PlannedGrade:
    code: str
    credits: int
    score: int
    passed: bool


@dataclass
class PlannedSemester:
    academic_year: int
    term: int
    grades: list[PlannedGrade] = field(default_factory=list)
    rank: int | None = None
    class_size: int | None = None

    @property
    def average(self) -> float:
        total = sum(g.credits for g in self.grades)
        return sum(g.score * g.credits for g in self.grades) / total if total else 0.0


@dataclass
class PlannedStudent:
    name_zh: str
    name_en: str
    gender: str
    international: bool
    department: Department
    programme: str
    status: str
    admitted_ay: int
    date_of_birth: datetime.date
    national_id: str
    ability: float
    semesters: list[PlannedSemester] = field(default_factory=list)
    graduated_on: datetime.date | None = None
    left_on: datetime.date | None = None
    featured: str = ""
    student_number: str = ""
    holds: list[tuple[str, str, str, datetime.date, bool]] = field(default_factory=list)

    @property
    def pass_mark(self) -> int:
        return 60 if self.programme == "bachelor" else 70

    @property
    def degree(self) -> tuple[str, str]:
        index = {"bachelor": 0, "master": 1, "doctoral": 2}[self.programme]
        return DEGREES[self.department.family][index]


@dataclass
class Plan:
    today: datetime.date
    students: list[PlannedStudent]


class _Planner:
    def __init__(self, seed: int, today: datetime.date):
        self.rng = random.Random(seed)
        self.today = today
        self.current_ay = academic_year(today)
        self.used_ids: set[str] = set()
        self.used_names: set[str] = set()
        rng = random.Random(seed + 1)
        self.difficulty = {code: rng.gauss(0, 3) for code in sorted(COURSES)}

    # -- people ----------------------------------------------------------------------------

    def domestic_name(self) -> tuple[str, str, str]:
        rng = self.rng
        surnames, weights = zip(*[((zh, en), w) for zh, en, w in SURNAMES])
        for _attempt in range(20):
            gender = rng.choice("MF")
            surname_zh, surname_en = rng.choices(surnames, weights)[0]
            first = rng.choice(GIVEN_FIRST[gender])
            second = rng.choice(GIVEN_SECOND[gender])
            if first == second:
                continue
            name_zh = surname_zh + first + second
            if name_zh not in self.used_names:
                break
        system = ROMANIZATIONS.index(rng.choices(ROMANIZATIONS, ROMANIZATION_WEIGHTS)[0])
        given = f"{SYLLABLES[first][system]}-{SYLLABLES[second][system]}"
        return name_zh, f"{surname_en}, {given}", gender

    def national_id(self, gender: str, international: bool, letters: str | None = None) -> str:
        rng = self.rng
        while True:
            letter = rng.choice(letters) if letters else rng.choices(ID_LETTERS, ID_LETTER_WEIGHTS)[0]
            sex = ("8" if gender == "M" else "9") if international else ("1" if gender == "M" else "2")
            value = nationalid.make_valid(f"{letter}{sex}{rng.randrange(10**7):07d}")
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def birth_date(self, admitted_ay: int, programme: str, international: bool) -> datetime.date:
        rng = self.rng
        age = {"bachelor": 18, "master": 22, "doctoral": 24}[programme]
        age += rng.choices([0, 1, 2, 3, 5], [70, 15, 8, 5, 2])[0]
        if programme == "doctoral":
            age += rng.randint(0, 5)
        if international:
            age += rng.randint(0, 3)
        # Born in the school year (2 September to 1 September) that makes them ``age`` on entry.
        start = datetime.date(admitted_ay + 1911 - age - 1, 9, 2)
        return start + datetime.timedelta(days=rng.randrange(365))

    # -- academic path -----------------------------------------------------------------------

    def path(self, programme: str, status: str) -> tuple[int, list[tuple[int, int]]]:
        """Admission year and the completed semesters the student was enrolled in."""
        rng, cur = self.rng, self.current_ay
        count = None
        if programme == "bachelor":
            if status == "graduated":
                admitted, count = cur - rng.randint(4, 11), 8
            elif status == "current":
                admitted = cur - rng.choices([2, 3, 4], [40, 45, 15])[0]
            else:
                admitted, count = cur - rng.randint(1, 8), rng.randint(1, 5)
        elif programme == "master":
            if status == "graduated":
                admitted, count = cur - rng.randint(2, 10), rng.choices([3, 4, 5, 6], [10, 65, 18, 7])[0]
            elif status == "current":
                admitted = cur - rng.choice([1, 1, 2])
            else:
                admitted, count = cur - rng.randint(1, 6), rng.randint(1, 2)
        else:
            if status == "graduated":
                admitted, count = cur - rng.randint(6, 12), rng.randint(8, 12)
            elif status == "current":
                admitted = cur - rng.randint(1, 5)
            else:
                admitted, count = cur - rng.randint(2, 8), rng.randint(2, 5)
        completed = [s for s in semesters_from(admitted, 30) if semester_end(*s) < self.today]
        return admitted, completed[:count] if count else completed

    def student(self, name_zh, name_en, gender, *, international=False, department=None, programme=None,
                status=None, admitted_offset=None, id_letters=None, ability=None, featured="") -> PlannedStudent:
        rng = self.rng
        self.used_names.add(name_zh)
        if department is None:
            department = rng.choices(DEPARTMENTS, [d.weight for d in DEPARTMENTS])[0]
        if programme is None:
            weights = (45, 45, 10) if international else (64, 28, 8)
            programme = rng.choices(["bachelor", "master", "doctoral"], weights)[0]
        if status is None:
            status = rng.choices(["graduated", "current", "withdrawn"], (50, 46, 4))[0]
        if admitted_offset is not None:
            admitted = self.current_ay - admitted_offset
            completed = [s for s in semesters_from(admitted, 30) if semester_end(*s) < self.today]
            if status == "graduated":
                completed = completed[: 8 if programme == "bachelor" else 4]
        else:
            admitted, completed = self.path(programme, status)
        if ability is None:
            ability = rng.gauss(86, 4) if programme != "bachelor" else rng.gauss(80, 6)
            if status == "withdrawn":
                ability -= 8
        planned = PlannedStudent(
            name_zh=name_zh, name_en=name_en, gender=gender, international=international,
            department=department, programme=programme, status=status, admitted_ay=admitted,
            date_of_birth=self.birth_date(admitted, programme, international),
            national_id=self.national_id(gender, international, id_letters), ability=ability,
            featured=featured,
        )  # fmt: skip
        self.courses(planned, completed)
        if status == "graduated":
            ay, term = completed[-1]
            planned.graduated_on = datetime.date(ay + 1912, 6, 30) if term == 2 else datetime.date(ay + 1912, 1, 31)
        elif status == "withdrawn":
            left = semester_end(*completed[-1]) + datetime.timedelta(days=rng.randint(10, 90))
            planned.left_on = min(left, self.today - datetime.timedelta(days=1))
        return planned

    # -- courses and grades ------------------------------------------------------------------

    def courses(self, student: PlannedStudent, completed: list[tuple[int, int]]) -> None:
        rng, dept = self.rng, student.department
        taken: set[str] = set()
        ge_pool = rng.sample(GE_ELECTIVES, len(GE_ELECTIVES))
        electives = list(dept.electives)
        rng.shuffle(electives)
        others = [c for d in DEPARTMENTS if d is not dept for c in d.electives]
        rng.shuffle(others)
        electives += others
        graduate = list(dept.graduate[:-1])
        rng.shuffle(graduate)
        graduate += rng.sample(dept.electives, len(dept.electives))
        other_graduate = [c for d in DEPARTMENTS if d is not dept and d.family == dept.family for c in d.graduate[:-1]]
        graduate += rng.sample(other_graduate, len(other_graduate))
        seminar = dept.graduate[-1]

        def take(pool: list[str]) -> str | None:
            while pool:
                code = pool.pop(0)
                if code not in taken:
                    return code
            return None

        for index, (ay, term) in enumerate(completed, 1):
            codes: list[str] = []
            if student.programme == "bachelor":
                codes += [c for c, s in dept.plan if s == index]
                codes += GE_PLAN.get(index, [])
                if index >= 3:
                    codes.append(take(ge_pool))
                # About 128 credits over four years: 18 a semester early on, fewer later.
                target = 18 if index <= 4 else (16 if index <= 7 else 12)
                while sum(COURSES[c][2] for c in codes if c) < target and electives:
                    codes.append(take(electives))
            else:
                if student.programme == "master":
                    n = {1: 3, 2: 3, 3: rng.choice([1, 2])}.get(index, 0)
                else:
                    n = {1: 3, 2: 3, 3: 2, 4: rng.choice([1, 2])}.get(index, 0)
                codes += [take(graduate) for _ in range(n)]
                codes.append(seminar)
            semester = PlannedSemester(ay, term)
            for code in codes:
                if code is None or (code in taken and code != seminar):
                    continue
                taken.add(code)
                semester.grades.append(self.grade(student, code))
            student.semesters.append(semester)

    def grade(self, student: PlannedStudent, code: str) -> PlannedGrade:
        noise = 8 if student.programme == "bachelor" else 5
        raw = student.ability + self.difficulty[code] + self.rng.gauss(0, noise)
        if self.rng.random() < 0.006:  # stopped attending: the score of an absent student
            raw = self.rng.uniform(0, 45)
        score = max(0, min(100, int(round(raw))))
        return PlannedGrade(code, COURSES[code][2], score, score >= student.pass_mark)

    # -- ranks, numbers and holds --------------------------------------------------------------

    def rank(self, students: list[PlannedStudent]) -> None:
        """Rank bachelor's students within their class (department and year of entry) each
        semester. The demo holds only a sample of each class, so the class size is that of
        a real class and a student's rank follows from where their average would fall in it."""
        groups: dict[tuple, list[tuple[PlannedStudent, PlannedSemester, int]]] = {}
        for student in students:
            if student.programme != "bachelor":
                continue
            for index, semester in enumerate(student.semesters):
                key = (student.department.code, student.admitted_ay, semester.academic_year, semester.term)
                groups.setdefault(key, []).append((student, semester, index))
        sizes: dict[tuple, int] = {}
        for key in sorted(groups):
            members = groups[key]
            cohort = key[:2]
            if cohort not in sizes:
                sizes[cohort] = self.rng.randint(42, 62)
            size = max(len(members), sizes[cohort] - members[0][2] // 3)
            members.sort(key=lambda m: (-m[1].average, m[0].national_id))
            ranks = []
            for _student, semester, _index in members:
                share = 0.5 * math.erfc((semester.average - 80) / (6.5 * math.sqrt(2)))  # above this average
                estimate = 1 + int(share * (size - 1) + 0.5)
                ranks.append(max(estimate, ranks[-1] + 1) if ranks else estimate)
            for i in range(len(ranks) - 1, -1, -1):
                ranks[i] = min(ranks[i], size - (len(ranks) - 1 - i))
            for (_student, semester, _index), rank in zip(members, ranks):
                semester.rank, semester.class_size = rank, size

    def number(self, students: list[PlannedStudent]) -> None:
        """Student numbers: ROC year of entry, programme, department, then a sequence."""
        counters: dict[tuple, int] = {}
        for student in students:
            key = (student.admitted_ay, student.programme, student.department.number)
            counters[key] = counters.get(key, 0) + 1
            student.student_number = (
                f"{student.admitted_ay:03d}{PROGRAMME_DIGIT[student.programme]}"
                f"{student.department.number:02d}{counters[key]:03d}"
            )

    def holds(self, students: list[PlannedStudent]) -> None:
        rng = self.rng
        candidates = [s for s in students if not s.featured]
        count = max(1, round(len(students) * 0.05))
        kinds, weights = HOLD_KINDS, [k[3] for k in HOLD_KINDS]
        serial = 0
        chosen = rng.sample(candidates, min(len(candidates), count + 3))
        for i, student in enumerate(chosen):
            serial += 1
            prefix, reason, office, _w = rng.choices(kinds, weights)[0]
            if student.status == "graduated" and prefix != "LIB":
                prefix, reason, office, _w = kinds[1]
            released = i >= count  # the last few were settled: history, not blocks
            last = student.semesters[-1] if student.semesters else None
            end = student.graduated_on or student.left_on or self.today
            if released:  # settled two weeks after it was placed, well before today
                placed = min(end, self.today - datetime.timedelta(days=120)) - datetime.timedelta(
                    days=rng.randint(5, 200)
                )
            elif student.status != "current":
                placed = end - datetime.timedelta(days=rng.randint(5, 60))
            else:
                placed = self.today - datetime.timedelta(days=rng.randint(7, 100))
            year = last.academic_year if last else self.current_ay
            reference = f"{prefix}-{year}-{serial:04d}"
            student.holds.append((reference, reason, office, placed, released))


def plan_school(students: int = 240, seed: int = 2026, today: datetime.date | None = None) -> Plan:
    """The demo school as plain data: the same for the same arguments."""
    today = today or timezone.localdate()
    planner = _Planner(seed, today)
    people: list[PlannedStudent] = [
        planner.student("陳大偉", "CHEN, TA-WEI", "M", department=DEPARTMENTS_BY_CODE["CE"], programme="bachelor",
                        status="graduated", admitted_offset=7, ability=85, featured="alumnus"),
        planner.student("林郁婷", "LIN, YU-TING", "F", department=DEPARTMENTS_BY_CODE["IM"], programme="bachelor",
                        status="current", admitted_offset=3, ability=83, featured="student"),
        planner.student("阮文安", "NGUYEN, VAN AN", "M", international=True, department=DEPARTMENTS_BY_CODE["EE"],
                        programme="master", status="current", admitted_offset=1, ability=87, featured="intl"),
    ]  # fmt: skip
    specials = [(zh, en, g, {}) for zh, en, g in RARE_NAMES]
    specials += [(zh, en, g, {"id_letters": "UVT"}) for zh, en, g in INDIGENOUS_NAMES]
    international = max(3, round(students * 0.07))
    specials += [(zh, en, g, {"international": True}) for zh, en, g in INTERNATIONAL_NAMES[1:international]]
    for zh, en, g, extra in specials[: max(0, students - len(people))]:
        people.append(planner.student(zh, en, g, **extra))
    while len(people) < students:
        people.append(planner.student(*planner.domestic_name()))
    planner.rank(people)
    planner.number(people)
    planner.holds(people)
    return Plan(today=today, students=people)


# ---------------------------------------------------------------------------------------------
# Writing to the database
# ---------------------------------------------------------------------------------------------


def demo_school_exists() -> bool:
    from sealpost.accounts.models import User

    return User.objects.filter(email__in=APPLICANT_EMAILS, student__isnull=False).count() == len(
        APPLICANT_EMAILS
    ) and User.objects.filter(email__in=DEMO_EMAILS).count() == len(DEMO_EMAILS)


def ensure_document_fees() -> int:
    """Create the registrar's fee rows from the defaults where missing; returns how many."""
    from sealpost.orders.fees import DEFAULT_DOCUMENT_FEES
    from sealpost.orders.models import DocumentFee

    existing = set(DocumentFee.objects.values_list("document_type", flat=True))
    missing = [DocumentFee(document_type=t, amount=a) for t, a in DEFAULT_DOCUMENT_FEES.items() if t not in existing]
    DocumentFee.objects.bulk_create(missing)
    return len(missing)


def create_demo_school(students: int = 240, seed: int = 2026, stdout=None, *, today=None) -> dict:
    """Fill the database with the demo school. Safe to run again: an existing demo school is
    left as it is (and the call returns at once), and anything missing is added by natural key."""
    started = time.monotonic()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    created = {"document_fees": ensure_document_fees()}
    if demo_school_exists():
        say("The demo school exists already; nothing to do.")
        return _summary(False, created, started)
    plan = plan_school(students, seed, today)
    say(f"Planned {len(plan.students)} students; writing them…")
    with transaction.atomic():
        created.update(_write_records(plan))
        created.update(_write_accounts(plan))
        created.update(_write_orders(plan))
    return _summary(True, created, started)


def _summary(created_school: bool, created: dict, started: float) -> dict:
    from sealpost.accounts.models import User
    from sealpost.orders.models import Order
    from sealpost.records.models import Course, Grade, Hold, Semester, Student

    return {
        "created": created_school,
        "students": Student.objects.count(),
        "international_students": Student.objects.filter(international=True).count(),
        "departments": len(DEPARTMENTS),
        "courses": Course.objects.count(),
        "semesters": Semester.objects.count(),
        "grades": Grade.objects.count(),
        "active_holds": Hold.objects.filter(released_at__isnull=True).count(),
        "demo_accounts": User.objects.filter(email__in=DEMO_EMAILS).count(),
        "demo_orders": Order.objects.filter(
            Q(applicant__email__in=DEMO_EMAILS) | Q(created_by__email__in=DEMO_EMAILS)
        ).count(),
        "added": created,
        "seconds": round(time.monotonic() - started, 2),
    }


def _write_records(plan: Plan) -> dict:
    from sealpost.records.models import Course, Grade, Hold, Semester, Student

    existing_codes = set(Course.objects.values_list("code", flat=True))
    Course.objects.bulk_create(
        [Course(code=c, title_zh=zh, title_en=en) for c, (zh, en, _cr) in COURSES.items() if c not in existing_codes]
    )
    course_ids = dict(Course.objects.filter(code__in=list(COURSES)).values_list("code", "id"))

    numbers = [s.student_number for s in plan.students]
    existing = set(Student.objects.filter(student_number__in=numbers).values_list("student_number", flat=True))
    new = [s for s in plan.students if s.student_number not in existing]
    Student.objects.bulk_create(
        [
            Student(
                student_number=s.student_number,
                name_zh=s.name_zh,
                name_en=s.name_en,
                date_of_birth=s.date_of_birth,
                national_id_hash=nationalid.keyed_hash(s.national_id),
                international=s.international,
                department_zh=s.department.zh,
                department_en=s.department.en,
                programme=s.programme,
                degree_zh=s.degree[0],
                degree_en=s.degree[1],
                status=s.status,
                admitted_on=datetime.date(s.admitted_ay + 1911, 8, 1),
                graduated_on=s.graduated_on,
                left_on=s.left_on,
            )
            for s in new
        ]
    )
    student_ids = dict(
        Student.objects.filter(student_number__in=[s.student_number for s in new]).values_list("student_number", "id")
    )
    Semester.objects.bulk_create(
        [
            Semester(student_id=student_ids[s.student_number], academic_year=sem.academic_year, term=sem.term,
                     rank=sem.rank, class_size=sem.class_size)
            for s in new for sem in s.semesters
        ]
    )  # fmt: skip
    semester_ids = {
        (student_id, ay, term): pk
        for pk, student_id, ay, term in Semester.objects.filter(student_id__in=student_ids.values()).values_list(
            "id", "student_id", "academic_year", "term"
        )
    }
    grades = [
        Grade(
            semester_id=semester_ids[(student_ids[s.student_number], sem.academic_year, sem.term)],
            course_id=course_ids[g.code], credits=Decimal(g.credits), score=g.score, passed=g.passed,
        )
        for s in new for sem in s.semesters for g in sem.grades
    ]  # fmt: skip
    Grade.objects.bulk_create(grades, batch_size=2000)
    tz = timezone.get_current_timezone()
    holds = [
        Hold(
            student_id=student_ids[s.student_number], reference=ref, reason=reason, office=office, placed_on=placed,
            released_at=datetime.datetime.combine(placed + datetime.timedelta(days=14), datetime.time(10), tz)
            if released else None,
        )
        for s in new for ref, reason, office, placed, released in s.holds
    ]  # fmt: skip
    Hold.objects.bulk_create(holds)
    return {"courses": len(COURSES) - len(existing_codes & set(COURSES)), "students": len(new),
            "grades": len(grades), "holds": len(holds)}  # fmt: skip


def _featured(plan: Plan) -> dict:
    from sealpost.records.models import Student

    numbers = {s.featured: s.student_number for s in plan.students if s.featured}
    by_number = {s.student_number: s for s in Student.objects.filter(student_number__in=numbers.values())}
    return {key: by_number.get(number) for key, number in numbers.items()}


def _write_accounts(plan: Plan) -> dict:
    from sealpost.accounts.models import User

    featured = _featured(plan)
    users = {u.email: u for u in User.objects.filter(email__in=DEMO_EMAILS)}
    # One hash for all demo accounts: hashing is deliberately slow and these share a password.
    password = make_password(DEMO_PASSWORD)
    added = 0
    for role, email, full_name, language, key in DEMO_ACCOUNTS:
        student = featured.get(key) if key else None
        if student is not None and User.objects.filter(student=student).exclude(email=email).exists():
            student = None  # someone else already proved this record theirs
        user = users.get(email)
        if user is None:
            User.objects.create(
                email=email, password=password, role=role, full_name=full_name, language=language,
                email_verified=True, student=student,
            )  # fmt: skip
            added += 1
        elif student is not None and user.student_id is None:
            user.student = student
            user.save(update_fields=["student"])
    return {"accounts": added}


def _write_orders(plan: Plan) -> dict:
    from sealpost.accounts.models import User
    from sealpost.orders.models import ApplicantType, Channel, Order
    from sealpost.orders.services import Draft, place_order
    from sealpost.records.models import Student

    users = {u.email: u for u in User.objects.filter(email__in=DEMO_EMAILS).select_related("student")}
    placed = 0

    def draft_for(user, applicant_type, documents, recipients, phone, **extra) -> Draft:
        student = user.student
        return Draft(
            applicant_type=applicant_type, documents=documents, name_zh=student.name_zh, name_en=student.name_en,
            phone=phone, email=user.email, recipients=[(user.email, "")] + recipients, **extra,
        )  # fmt: skip

    orders = {
        f"alumnus@{DEMO_DOMAIN}": [
            (ApplicantType.ALUMNUS, [("transcript", "en"), ("degree_certificate", "en")],
             [("transcripts@wes.example.org", "WES Reference No. 1234567"),
              ("gradadmissions@university.example.edu", "Application ID: 2027-FA-058812")],
             "0912-345-678", {"remarks": "申請美國研究所使用 / For graduate admission in the US", "language": "en"}),
            (ApplicantType.ALUMNUS, [("transcript", "zh"), ("rank_certificate", "zh")],
             [("hr@company.example.com.tw", "應徵職缺編號 R-2026-114")], "0912-345-678", {}),
        ],
        f"student@{DEMO_DOMAIN}": [
            (ApplicantType.CURRENT, [("enrollment_certificate", "en"), ("transcript", "en")],
             [("exchange@university.example.ac.jp", "Exchange programme application, student ID 2027-0412")],
             "0922-118-305", {"language": "zh-hant"}),
        ],
        f"intl@{DEMO_DOMAIN}": [
            (ApplicantType.INTERNATIONAL, [("enrollment_certificate", "en"), ("transcript", "en")],
             [("scholarship@moe.example.gov.tw", "Taiwan Scholarship renewal 2027")], "0975-602-144",
             {"language": "en"}),
        ],
    }  # fmt: skip
    for email, specs in orders.items():
        user = users.get(email)
        if user is None or user.student is None or Order.objects.filter(applicant=user).exists():
            continue
        for applicant_type, documents, recipients, phone, extra in specs:
            draft = draft_for(user, applicant_type, documents, recipients, phone, **extra)
            place_order(student=user.student, draft=draft, applicant=user, actor=user)
            placed += 1

    # A paper form 2-07-3 keyed in by the clerk, for an alumnus with an open hold: the desk
    # then shows the hold check at work.
    clerk = users.get(f"clerk@{DEMO_DOMAIN}")
    with_holds = [s for s in plan.students if any(not released for *_h, released in s.holds)]
    held = next((s for s in with_holds if s.status == "graduated"), with_holds[0] if with_holds else None)
    if clerk is not None and held is not None:
        student = Student.objects.filter(student_number=held.student_number).first()
        if student is not None and not Order.objects.filter(student=student, channel=Channel.FORM_2073).exists():
            draft = Draft(
                applicant_type=ApplicantType.CURRENT if held.status == "current" else ApplicantType.ALUMNUS,
                documents=[("transcript", "zh"),
                           ("degree_certificate" if held.status == "graduated" else "rank_certificate", "zh")],
                name_zh=student.name_zh, name_en=student.name_en, phone="03-422-7151",
                email="alumni.request@example.com", recipients=[("alumni.request@example.com", "")],
                remarks="臨櫃申請，表單 2-07-3", language="zh-hant",
            )  # fmt: skip
            place_order(student=student, draft=draft, actor=clerk, channel=Channel.FORM_2073)
            placed += 1
    return {"orders": placed}


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(role, e-mail, password, student number or "") for every demo account."""
    from sealpost.accounts.models import User

    linked = User.objects.filter(email__in=DEMO_EMAILS, student__isnull=False)
    numbers = dict(linked.values_list("email", "student__student_number"))
    return [(role, email, DEMO_PASSWORD, numbers.get(email, "")) for role, email, _n, _l, _k in DEMO_ACCOUNTS]
