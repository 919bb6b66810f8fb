"""The classic injection moves in languages other than English.

The classifier learned English (every attack corpus we could train on is English), so an
attack written in German or Chinese passes it. These patterns cover the three moves that matter
most, in fifteen languages: "ignore the previous instructions", "show your system prompt", and
"from now on you are ..."; "forget everything before", which names no instructions, in seven of
them (Spanish, French, German, Italian, Portuguese, Dutch, Polish); and the first in four
languages with little training text, which jailbreak collections use to get past English-trained
filters (Albanian, Irish, Scottish Gaelic, Zulu); and a note addressed to the model ("Nota per
l'assistente IA: ...") in seven (the Romance languages, German, Dutch, Polish), with, in the
same seven, a machine that reads this document and is told what to do ("tout modèle de langage qui
lit ce document : ...") and "if you are an AI"; and a note to the AI in Japanese and Chinese. They are hand-written (no non-English attack
corpus ships anywhere we can reach), kept narrow (a verb of ignoring near a word for
instructions, or "everything" and what came before, in the same sentence), and checked for false
positives on translated manual pages and the benchmarks' benign text
(``benchmarks/injection_sources.py``, ``benchmarks/injection_planted.py``).

They run on ``fold`` text: NFKC, case-folded, and with diacritics removed from Latin letters
only (so "Anweisungen" and "instrucciones" match however they are accented, while Cyrillic, CJK,
Arabic and Devanagari are left as written).
"""

from __future__ import annotations

import re
import unicodedata

_ANY = r"[^.!?。！？\n]"  # within one sentence


def _near(a: str, b: str, gap: int = 40) -> str:
    return rf"(?:{a}){_ANY}{{0,{gap}}}(?:{b})"


# language -> (move name, expression) pairs; move names are the English patterns' names, so the
# policy treats "de:ignore_previous_instructions" as it treats the English one.
_MOVES: dict[str, tuple[tuple[str, str], ...]] = {
    "es": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:ignora|olvida|omite|descarta|haz caso omiso|no hagas caso)\w*",
                r"\b(?:instrucciones|indicaciones|reglas|ordenes|directrices)\b",
            ),
        ),
        (
            "system_prompt_extraction",
            _near(
                r"\b(?:revela|muestra|imprime|repite|dime|ensena)\w*",
                r"\b(?:prompt|instrucciones) (?:del sistema|iniciales|originales)",
                30,
            ),
        ),
        (
            "role_reassignment",
            _near(
                r"\b(?:a partir de ahora|desde ahora|de ahora en adelante)\b",
                r"\b(?:eres|seras|actuaras|actua como)\b",
                20,
            ),
        ),
    ),
    "fr": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:ignore|oublie|ne tiens pas compte|ne tenez pas compte|fais abstraction)\w*",
                r"\b(?:instructions|consignes|regles|directives)\b",
            ),
        ),
        (
            "system_prompt_extraction",
            _near(
                r"\b(?:revele|montre|affiche|repete|donne|ecris)\w*",
                r"\b(?:prompt|instructions|consignes) (?:du )?(?:systeme|initiales|d'origine)",
                30,
            ),
        ),
        (
            "role_reassignment",
            _near(
                r"\b(?:a partir de maintenant|desormais|dorenavant|a partir d'aujourd'hui)\b",
                r"\b(?:tu es|vous etes|tu seras|tu vas jouer|agis comme)\b",
                20,
            ),
        ),
    ),
    "de": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:ignorier|vergiss|vergessen sie|missacht|uberg[eh]\w*|setze?\w* \w+ hinweg)\w*",
                r"(?:anweisungen|instruktionen|regeln|befehle|vorgaben|richtlinien)\b",
            ),
        ),
        (
            "system_prompt_extraction",
            _near(
                r"\b(?:zeig|gib|wiederhol|verrat|nenn|druck)\w*",
                r"(?:systemprompt|system-prompt|systemanweisung\w*|ursprunglichen anweisungen)",
                30,
            ),
        ),
        (
            "role_reassignment",
            _near(
                r"\b(?:ab jetzt|ab sofort|von nun an|ab heute)\b",
                r"\b(?:bist du|du bist|spielst du|verhaltst du dich)\b",
                20,
            ),
        ),
    ),
    "it": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:ignora|dimentica|trascura|non tenere conto)\w*",
                r"\b(?:istruzioni|regole|indicazioni|direttive)\b",
            ),
        ),
        (
            "system_prompt_extraction",
            _near(
                r"\b(?:rivela|mostra|stampa|ripeti|dimmi)\w*",
                r"\b(?:prompt|istruzioni) (?:di sistema|del sistema|iniziali|originali)",
                30,
            ),
        ),
        (
            "role_reassignment",
            _near(r"\b(?:d'ora in poi|da ora in poi|da adesso)\b", r"\b(?:sei|sarai|agisci)\b", 20),
        ),
    ),
    "pt": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:ignore|ignora|esqueca|esquece|desconsidere|descarte)\w*",
                r"\b(?:instrucoes|regras|orientacoes|diretrizes|comandos)\b",
            ),
        ),
        (
            "system_prompt_extraction",
            _near(
                r"\b(?:revele|mostre|imprima|repita|diga)\w*",
                r"\b(?:prompt|instrucoes) (?:do sistema|iniciais|originais)",
                30,
            ),
        ),
        (
            "role_reassignment",
            _near(
                r"\b(?:a partir de agora|de agora em diante|daqui pra frente)\b",
                r"\b(?:voce e|voce sera|tu es|aja como|atue como)\b",
                20,
            ),
        ),
    ),
    "nl": (
        (
            "ignore_previous_instructions",
            _near(r"\b(?:negeer|vergeet)\w*", r"\b(?:instructies|regels|opdrachten|richtlijnen)\b"),
        ),
        (
            "role_reassignment",
            _near(r"\bvanaf nu\b", r"\b(?:ben je|jij bent|je bent|speel je)\b", 20),
        ),
    ),
    "pl": (
        (
            "ignore_previous_instructions",
            _near(r"\b(?:zignoruj|ignoruj|zapomnij)\w*", r"\b(?:instrukcj|polecen|zasad|regul)\w*"),
        ),
        (
            "role_reassignment",
            _near(r"\b(?:od teraz|od tej chwili)\b", r"\b(?:jestes|bedziesz)\b", 20),
        ),
    ),
    "tr": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:onceki|yukaridaki|tum|butun)\b",
                r"talimat\w*\W+(?:\w+\W+)?(?:yok say|gormezden gel|unut)\w*",
                30,
            ),
        ),
    ),
    # Albanian, Irish, Scottish Gaelic and Zulu, written from their grammars and dictionaries,
    # not from any attack corpus; "don't forget the rules" ("mos harro", "na dean dearmad") is
    # left alone.
    "sq": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:injoro|shperfill|(?<!mos )harro|mos merr parasysh|mos ia vini veshin)\w*",
                r"\b(?:udhezim|instruksion|rregull|urdhr|urdher|komand)\w*",
            ),
        ),
    ),
    "ga": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:dean neamhaird|deanaigi neamhaird|na tabhair aird|(?<!na )dean dearmad|"
                r"(?<!na )deanaigi dearmad)\b",
                r"\b(?:treoir|treoracha|orduithe|ordu|rialacha|riail)\w*",
            ),
        ),
    ),
    "gd": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:leig seachad|leigibh seachad|(?<!na )diochuimhnich\w*|"
                r"na toir an aire|na gabh suim)\b",
                r"\b(?:stiuiridh|stiuireadh|ordugh|riaghailt|aithne|aitheantan)\w*",
            ),
        ),
    ),
    "zu": (
        (
            "ignore_previous_instructions",
            _near(
                r"\b(?:ziba|zibe|ungazinaki|unganaki|ningazinaki|khohlwa|khohlwe|yekela)\w*",
                r"\b(?:imiyalelo|umyalelo|imiyalo|umyalo|imithetho|umthetho|iziqondiso)\w*",
            ),
        ),
    ),
    "ru": (
        (
            "ignore_previous_instructions",
            _near(
                r"(?:игнорируй|проигнорируй|забудь|не обращай внимания|не учитывай)\w*",
                r"(?:инструкци|указани|правил|команд)\w*",
            ),
        ),
        (
            "system_prompt_extraction",
            _near(
                r"(?:покажи|выведи|повтори|раскрой|напиши)\w*",
                r"(?:системн\w* (?:промпт|подсказк|инструкци)|исходн\w* инструкци)\w*",
                30,
            ),
        ),
        ("role_reassignment", _near(r"(?:отныне|с этого момента|теперь)", r"\bты\b\s+\w+", 20)),
    ),
    "uk": (
        (
            "ignore_previous_instructions",
            _near(r"(?:ігноруй|проігноруй|забудь)\w*", r"(?:інструкці|вказівк|правил)\w*"),
        ),
    ),
    "zh": (
        (
            "ignore_previous_instructions",
            r"(?:忽略|无视|忘记|忘掉|忽视|無視|忘記|不要理会|不要理會)"
            r"[^。！？\n]{0,12}(?:指令|指示|说明|說明|提示|规则|規則|命令)",
        ),
        (
            "system_prompt_extraction",
            r"(?:显示|顯示|输出|輸出|打印|告诉我|告訴我|重复|重複|泄露|透露)"
            r"[^。！？\n]{0,10}(?:系统提示|系統提示|系统指令|系統指令|初始指令|系统消息|系統訊息)",
        ),
        (
            "role_reassignment",
            r"(?:从现在开始|從現在開始|从现在起|從現在起)[^。！？\n]{0,8}你(?:是|将|將|要扮演)",
        ),
    ),
    "ja": (
        (
            "ignore_previous_instructions",
            r"(?:以前|前|上記|これまで|すべて|全て)の[^。！？\n]{0,8}(?:指示|命令|指令|ルール)"
            r"[^。！？\n]{0,10}(?:無視|忘れ)",
        ),
        ("system_prompt_extraction", r"システムプロンプト[^。！？\n]{0,12}(?:表示|教え|出力|見せ)"),
        (
            "role_reassignment",
            r"(?:今から|これから)[^。！？\n]{0,6}あなたは[^。！？\n]{0,20}(?:です|として)",
        ),
    ),
    "ko": (
        (
            "ignore_previous_instructions",
            r"(?:이전|위의|앞의|모든)[^.!?\n]{0,8}(?:지시|명령|지침|규칙)[^.!?\n]{0,10}(?:무시|잊어)",
        ),
        ("system_prompt_extraction", r"시스템 ?프롬프트[^.!?\n]{0,12}(?:보여|출력|알려)"),
    ),
    "ar": (
        (
            "ignore_previous_instructions",
            _near(r"(?:تجاهل|انس|لا تلتزم)\S*", r"(?:التعليمات|الأوامر|التوجيهات|القواعد)"),
        ),
    ),
    "hi": (
        (
            "ignore_previous_instructions",
            _near(
                r"(?:पिछले|पहले|ऊपर|सभी)",
                r"(?:निर्देश|निर्देशों|नियम)\S*\s+(?:को\s+)?(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल)",
                20,
            ),
        ),
    ),
}


def _all_before(verbs: str, everything: str, before: str) -> str:
    """ "Forget everything before", "ignore all of the above": the English pattern's
    ``ignore everything above/before/said``, which names no instructions at all. A bare "before"
    only ends the sentence ("olvida todo antes de dormir" is not it)."""
    return rf"\b(?:{verbs})\w*,?\s+(?:{everything})\s*,?\s*(?:{before})"


_END = r"\s*(?:[.!,;:]|$)"
# language -> (ignoring verbs, "everything", what came before), each as the English move reads
_ALL_BEFORE: dict[str, tuple[str, str, str]] = {
    "de": (
        r"vergiss|vergessen sie|ignorier",
        r"alles|alle",
        r"davor|bisher\w*|vorher\w*|zuvor|oben|obige\w*|was (?:ich|wir) (?:dir|ihnen|euch) "
        r"(?:zuvor |vorher |bisher )?(?:gesagt|geschrieben)|was (?:bisher|zuvor|vorher) gesagt",
    ),
    "es": (
        r"olvid|ignor",
        r"todo",
        rf"lo anterior|lo de arriba|lo que te (?:dije|he dicho)|lo dicho|antes{_END}",
    ),
    "fr": (
        r"oubli|ignor",
        r"tout",
        rf"ce qui precede|ce que (?:je t'ai|je vous ai|j'ai) dit|ce qui a ete dit|avant{_END}",
    ),
    "it": (
        r"dimentic|ignor",
        r"tutto",
        rf"(?:quello|cio) che (?:precede|ti ho detto|e stato detto)|quanto (?:detto|sopra)|"
        rf"prima{_END}",
    ),
    "pt": (
        r"esquec|ignor",
        r"tudo",
        rf"(?:o )?que (?:foi dito|eu disse|te disse)|o anterior|acima|antes{_END}",
    ),
    "nl": (
        r"vergeet|negeer",
        r"alles",
        rf"hierboven|daarvoor|hiervoor|wat (?:ik|er) (?:eerder |hiervoor )?(?:zei|gezegd)|"
        rf"eerder{_END}",
    ),
    "pl": (
        r"zapomnij|zignoruj|ignoruj",
        r"wszystko|o wszystkim",
        r"wczesniej|powyzej|co (?:ci )?(?:powiedzia[lł]\w*|napisa[lł]\w*)|co by[lł]o wczesniej",
    ),
}

# "Note pour le système de présélection : ...", "Nota per l'assistente IA: ...", "Mensagem do
# sistema para o assistente ...: ...": a heading in a document that calls on the model reading it
# (``addressed_to_model`` in English). A colon must follow within the clause, and not a file or
# operating system ("Note pour le système de fichiers").
_NOT_A_SYSTEM_OF = (
    r"(?!\w*\s+(?:de |d'|di |do |da |des |del |van |plikow)?(?:fichiers|archivos|file|ficheiros|"
    r"bestand|plikow|exploitation|operativo|operacional|besturing|dateien))"
)
_ADDRESSED: dict[str, tuple[str, str, str]] = {
    # language: (words for a note or an instruction, words for "for"/"to", words for the model)
    "fr": (r"note|message|consigne|instruction", r"pour|a|au|aux",
           r"(?:le |la |l'|les )?(?:systeme|assistant|ia|modele|agent|robot)"),
    "es": (r"nota|mensaje|instruccion|instrucciones|aviso", r"para|al|a",
           r"(?:el |la |los |las )?(?:sistema|asistente|ia|modelo|agente|bot)"),
    "it": (r"nota|messaggio|istruzion[ei]|avviso", r"per|al|alla|a",
           r"(?:l'|il |lo |la )?(?:sistema|assistente|ia|modello|agente|bot)"),
    "pt": (r"nota|mensagem|instrucao|instrucoes|aviso", r"para|ao|a",
           r"(?:o |a |os )?(?:sistema|assistente|ia|modelo|agente|bot)"),
    "de": (r"hinweis|nachricht|anweisung(?:en)?|notiz|mitteilung", r"an|fur",
           r"(?:den |die |das )?(?:system|assistenten|ki|modell|agenten|bot)"),
    "nl": (r"notitie|bericht|instructies?|opmerking", r"voor|aan",
           r"(?:de |het )?(?:systeem|assistent|ai|model|agent|bot)"),
    "pl": (r"notatka|wiadomosc|instrukcja|uwaga", r"dla|do", r"(?:systemu|asystenta|ai|modelu|agenta|bota)"),
}  # fmt: skip


def _addressed(note: str, to: str, model: str) -> str:
    return (
        rf"\b(?:{note})(?: (?:del|do|di|du|des|van het|des) (?:sistema|systeme|systems|systeem))?"
        rf" (?:{to}) ?{model}\b{_NOT_A_SYSTEM_OF}[^.!?\n:]{{0,60}}:"
    )


# A machine reader, said without doubt ("IA", "KI", "modèle de langage": not "assistant", which
# is a person's job too), that reads this document ("tout modèle de langage qui lit ce document :
# répondez ..."), or "if you are an AI" (``guard.addressed`` in English). Text is ``fold``-ed.
_MACHINE_WORDS: dict[str, str] = {
    "fr": r"ia|intelligence artificielle|modeles? de langage|chatbot|llm",
    "es": r"ia|inteligencia artificial|modelos? de lenguaje|chatbot|llm",
    "it": r"ia|intelligenza artificiale|modell[oi] linguistic[oi]|chatbot|llm",
    "pt": r"ia|inteligencia artificial|modelos? de linguagem|chatbot|llm",
    "de": r"ki|kunstliche intelligenz|sprachmodell\w*|chatbot|llm",
    "nl": r"ai|kunstmatige intelligentie|taalmodel\w*|chatbot|llm",
    "pl": r"ai|sztuczn\w+ inteligencj\w+|model\w* jezykow\w+|chatbot\w*|llm",
}
_READS_THIS: dict[str, str] = {
    # a verb of reading or processing, then "this" and a document's noun
    "fr": r"(?:lit|lisez|lisant|traite|traitant|resume|resumant|analyse|analysant) "
    r"(?:ce|cette|ces) (?:document|page|texte|fichier|message|e-?mail|cv|courriel)",
    "es": r"(?:lea|lee|leyendo|procese|procesa|procesando|resuma|resume|resumiendo|analice|analiza)"
    r" (?:este|esta|estos|estas) (?:documento|pagina|texto|archivo|mensaje|correo|cv)",
    "it": r"(?:legge|legga|leggendo|elabora|elabori|elaborando|riassume|riassuma|analizza)"
    r" (?:questo|questa|questi) (?:documento|pagina|testo|file|messaggio|email|cv)",
    "pt": r"(?:le|leia|lendo|processa|processe|processando|resume|resuma|resumindo|analisa)"
    r" (?:este|esta|estes|estas) (?:documento|pagina|texto|arquivo|ficheiro|mensagem|e-?mail|cv)",
    "de": r"(?:dieses|diese|diesen) (?:dokument|seite|text|datei|nachricht|e-?mail|lebenslauf)"
    r"\w* (?:liest|verarbeitet|zusammenfasst|analysiert|auswertet)",
    "nl": r"(?:dit|deze) (?:document|pagina|tekst|bestand|bericht|e-?mail|cv)"
    r" (?:leest|verwerkt|samenvat|analyseert)",
    "pl": r"(?:czyta|przetwarza|streszcza|analizuje) (?:ten|te|ta|tego|te) (?:dokument|strone|tekst|"
    r"plik|wiadomosc|e-?mail|cv)\w*",
}
_IF_YOU_ARE: dict[str, str] = {
    "fr": r"\bsi (?:vous etes|tu es) (?:une? |l')",
    "es": r"\bsi (?:eres|usted es) (?:una? |el |la )",
    "it": r"\bse (?:sei|lei e) (?:una? |un'|l')",
    "pt": r"\bse (?:voce e|voce for|es|fores) (?:uma? |o |a )",
    "de": r"\bwenn (?:du|sie) (?:eine? |der |die )",
    "nl": r"\bals (?:je|u) (?:een |de |het )",
    "pl": r"\bjesli (?:jestes|pan jest|pani jest) ",
}
_IF_YOU_ARE_END: dict[str, str] = {"de": r"\s+(?:bist|sind)\b", "nl": r"\s+(?:bent|is)\b"}


def _reads_this(lang: str) -> str:
    machine = _MACHINE_WORDS[lang]
    return (
        rf"\b(?:{machine})\b{_ANY}{{0,30}}\b(?:{_READS_THIS[lang]})\b{_ANY}{{0,60}}"
        rf"(?::|\b(?:doit|doivent|debe|deben|deve|devono|muss|mussen|moet|moeten|musi|powinien|"
        r"devera)\b)"
    )


def _if_you_are(lang: str) -> str:
    return rf"{_IF_YOU_ARE[lang]}(?:{_MACHINE_WORDS[lang]})\b{_IF_YOU_ARE_END.get(lang, '')}"


# "AIアシスタントへ：", "致AI助手：": a note to the machine, in Japanese and Chinese (CJK text is
# not folded; "ai" is, from "AI" or the full-width "ＡＩ")
_CJK_ADDRESSED = {
    "ja": r"(?:ai|人工知能)(?:アシスタント|モデル|チャットボット)?(?:へ|様へ|の方へ)\s*[:：]",
    "zh": r"(?:致|给|給)\s*(?:ai|人工智能|人工智慧)(?:助手|助理|模型)?\s*[:：]",
}

PATTERNS_I18N: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    tuple((lang, name, re.compile(expr)) for lang, moves in _MOVES.items() for name, expr in moves)
    + tuple(
        (lang, "ignore_previous_instructions", re.compile(_all_before(*parts)))
        for lang, parts in _ALL_BEFORE.items()
    )
    + tuple(
        (lang, "addressed_to_model", re.compile(_addressed(*parts)))
        for lang, parts in _ADDRESSED.items()
    )
    + tuple((lang, "machine_reading_this", re.compile(_reads_this(lang))) for lang in _READS_THIS)
    + tuple((lang, "addressed_to_model", re.compile(_if_you_are(lang))) for lang in _IF_YOU_ARE)
    + tuple((lang, "calls_on_machine", re.compile(expr)) for lang, expr in _CJK_ADDRESSED.items())
)
MOVE_NAMES = frozenset(name for _, name, _ in PATTERNS_I18N)


def fold(text: str) -> str:
    """NFKC, case-folded, diacritics stripped from Latin letters only."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).replace("ß", "ss")


def match_i18n(text: str) -> list[str]:
    """``lang:move`` for each non-English pattern that matches ``text``."""
    if text.isascii() and not any(w in text.lower() for w in _LATIN_HINTS):
        return []
    folded = fold(text)
    found = [f"{lang}:{name}" for lang, name, rx in PATTERNS_I18N if rx.search(folded)]
    return list(dict.fromkeys(found))


# Words one of the Latin-script patterns needs; an ASCII text with none of them cannot match.
_LATIN_HINTS = (
    # ignoring verbs
    "ignor", "olvid", "omite", "descarta", "caso omiso", "no hagas caso", "oublie", "tiens pas",
    "tenez pas", "abstraction", "vergiss", "vergessen", "missacht", "uberg", "hinweg", "dimentic",
    "trascur", "tenere conto", "esquec", "desconsider", "descart", "negeer", "vergeet",
    "zapomnij", "yok say", "gormezden", "unut", "injoro", "shperfill", "harro", "parasysh",
    "neamhaird", "dearmad", "tabhair aird", "seachad", "diochuimhnich", "toir an aire",
    "gabh suim", "ziba", "zibe", "unganaki", "ungazinaki", "ningazinaki", "khohlw", "yekela",
    # "from now on"
    "ahora", "maintenant", "desormais", "dorenavant", "aujourd", "jetzt", "sofort", "von nun",
    "heute", "d'ora", "da ora", "adesso", "agora", "daqui", "vanaf nu", "od teraz", "od tej",
    # "system prompt" objects
    "sistema", "systeme", "initiales", "d'origine", "systemprompt", "system-prompt",
    "systemanweisung", "ursprunglich", "iniciales", "originales", "iniziali", "originali",
    "iniciais", "originais",
    # a machine reading this document, "if you are an AI"
    "llm", "chatbot", "intelligen", "langage", "lenguaje", "linguistic", "linguagem",
    "sprachmodell", "taalmodel", "jezykow", "si vous", "si tu", "si eres", "si usted", "se sei",
    "se lei", "se voce", "wenn du", "wenn sie", "als je", "als u", "jesli",
    # a note to the model
    "assistent", "asistente", "asystent", "systeem", "systemu", "modele", "modello", "modelo",
    "modell", "agente", "agenten", "robot", " ia", " ki", "bot",
)  # fmt: skip
