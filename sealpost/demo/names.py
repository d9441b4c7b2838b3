"""The names of the demo school's people: Taiwanese names with the spelling their passports carry,
names with rare characters and indigenous names, international students' names, and the letters
of national IDs.

English names are stored as a registrar stores them from the passport, surname first. The
romanization of a Chinese name cannot be derived from its characters (four systems are in use
in Taiwan, and people keep the spelling they were first given), so given-name syllables carry
their Wade-Giles, Hanyu Pinyin and Tongyong spellings in a table, and each student's passport
uses one of them (demo.planning).
"""

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
