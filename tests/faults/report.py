"""The lines `make faults` prints: a figure, or a figure with the verdict of a must."""

from dataclasses import dataclass, field


def say(text: str = "") -> None:
    print(text, flush=True)


@dataclass
class Line:
    label: str
    value: str
    passed: bool | None = None  # None: a figure only
    samples: list[str] = field(default_factory=list)  # answers shown below it


def report(sections: list[tuple[str, list[Line]]]) -> bool:
    """Print each section's lines; True when every must passed."""
    say("\n== make faults: results ==")
    verdicts = []
    for title, lines in sections:
        say(title)
        for line in lines:
            mark = "" if line.passed is None else f"  [{'ok' if line.passed else 'FAIL'}]"
            say(f"  {line.label:<58} {line.value}{mark}")
            for sample in line.samples:
                say(f"      e.g. {sample}")
            if line.passed is not None:
                verdicts.append(line.passed)
    passed = all(verdicts)
    say(f"\nRESULT: {'PASS' if passed else 'FAIL'}")
    return passed
