"""Small GSM8K-style problems written for the math tests (not taken from any dataset)."""

from __future__ import annotations

from groupbuild.schema import Domain, Seed, Trace
from groupbuild.text.math.gold import solution_to_trace

CASES: tuple[tuple[str, str, str], ...] = (
    (
        "A baker made 36 muffins in the morning and half as many in the afternoon. "
        "She sold 40 of them. How many muffins are left?",
        "In the afternoon she made 36/2 = <<36/2=18>>18 muffins.\n"
        "In total she made 36 + 18 = <<36+18=54>>54 muffins.\n"
        "She has 54 - 40 = <<54-40=14>>14 muffins left.\n#### 14",
        "14",
    ),
    (
        "Omar is paid $18 an hour. Last week he worked 45 minutes a day for 6 days. "
        "How much did he earn last week?",
        "Omar earns 18/60 = $<<18/60=0.3>>0.3 per minute.\n"
        "He worked 45 x 6 = <<45*6=270>>270 minutes.\n"
        "He earned 0.3 x 270 = $<<0.3*270=81>>81.\n#### 81",
        "81",
    ),
    (
        "A shop sells pens in packs of 12. Lena buys 5 packs and gives 25% of the pens "
        "to her brother. She then uses 9 pens. How many pens does she have now?",
        "Lena buys 5 x 12 = <<5*12=60>>60 pens.\n"
        "She gives her brother 60 x 25/100 = <<60*25/100=15>>15 pens.\n"
        "She keeps 60 - 15 = <<60-15=45>>45 pens.\n"
        "After using some she has 45 - 9 = <<45-9=36>>36 pens.\n#### 36",
        "36",
    ),
    (
        "Three friends scored 80, 90 and 79 points. A fourth friend scored 7 points more "
        "than their average. What did the fourth friend score?",
        "Their average is (80 + 90 + 79) / 3 = <<(80+90+79)/3=83>>83 points.\n"
        "The fourth friend scored 83 + 7 = <<83+7=90>>90 points.\n#### 90",
        "90",
    ),
    (
        "Four friends ran 6, 8, 10 and 12 miles. Maya ran 1.5 miles more than their average. "
        "How far did Maya run?",
        "Their average is (6 + 8 + 10 + 12) / 4 = <<(6+8+10+12)/4=9>>9 miles.\n"
        "Maya ran 9 + 1.5 = <<9+1.5=10.5>>10.5 miles.\n#### 10.5",
        "10.5",
    ),
    (
        "A class has 40 students and 25% of them walk to school, 1.5 km each. Sam works "
        "45 minutes a day for 6 days. How many km do the walkers walk, plus Sam's hours?",
        "There are 40 x 25/100 = <<40*25/100=10>>10 walkers.\n"
        "They walk 10 x 1.5 = <<10*1.5=15>>15 km.\n"
        "Sam works 45 x 6 = <<45*6=270>>270 minutes.\n"
        "At 60 minutes an hour, that is 270 / 60 = <<270/60=4.5>>4.5 hours.\n"
        "Together that is 15 + 4.5 = <<15+4.5=19.5>>19.5.\n#### 19.5",
        "19.5",
    ),
)


def seed_of(index: int, problem: str, solution: str, answer: str, source: str = "test") -> Seed:
    return Seed(
        problem_id=f"{source}:{index}",
        source=source,
        source_id=str(index),
        domain=Domain.MATH,
        task_type="math",
        problem=problem,
        solution=solution,
        answer=answer.replace(",", ""),
    )


def cases() -> list[tuple[Seed, Trace]]:
    return [(seed_of(i, p, s, a), solution_to_trace(s)) for i, (p, s, a) in enumerate(CASES)]
