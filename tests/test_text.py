"""Folding and stemming: how typed words meet catalogue words."""

from index.text import fold, serbian_latin, stem, terms


def test_folding_removes_case_and_diacritics():
    assert fold("Računalniški TEČAJ v Šiški") == "racunalniski tecaj v siski"
    assert fold("Đakovo") == "dakovo"


def test_a_word_typed_without_diacritics_meets_the_catalogue_word():
    assert terms("racunalnik") == terms("računalnik")


def test_slovenian_inflections_share_a_stem():
    assert len({stem(fold(w)) for w in ["tečaj", "tečaja", "tečaji", "tečajev", "tečajem"]}) == 1
    assert (
        len({stem(fold(w)) for w in ["slovenščina", "slovenščine", "slovenski", "Slovenian"]}) == 1
    )
    assert stem("upokojence") == stem("upokojenci")


def test_rare_exact_words_are_kept():
    assert "a2" in terms("Tečaj A2")
    assert "e-uprava" in terms("Kako uporabljam e-upravo? E-uprava")
    assert "uprav" in terms("e-uprava")


def test_stop_words_are_dropped():
    assert terms("kje je tečaj za mene") == ["tecaj", "mene"]


def test_serbian_cyrillic_is_also_read_in_latin_letters_but_not_ukrainian_or_russian():
    assert serbian_latin("Помоћ око папира у Љубљани") == "pomoc oko papira u ljubljani"
    assert serbian_latin("шта има за децу, џудо?") == "sta ima za decu dzudo"
    assert serbian_latin("шукаю роботу") is None  # Ukrainian "work", not a robot
    assert serbian_latin("помощь с документами") is None
    assert serbian_latin("pomoč") is None
