"""The phrases plans are worded with: names, operators, calls, methods and statements.

The wording follows the bundled plans ("up to and including", "greater than", "If ..., return
...") so the rules and the rules judge read generated plans as they read the bundled ones.
"""

from __future__ import annotations

import ast

NUMBERS = ("", "", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ABBREVIATIONS = {
    "arr": "array",
    "lst": "list",
    "li": "list",
    "tup": "tuple",
    "str": "string",
    "s": "string",
    "res": "result",
    "ans": "answer",
    "cnt": "count",
    "num": "number",
    "nums": "numbers",
    "idx": "index",
    "ch": "character",
    "char": "character",
    "val": "value",
    "tmp": "temporary",
    "temp": "temporary",
    "dict": "table",
    "dic": "table",
    "d": "table",
    "freq": "frequency",
    "len": "length",
    "max": "largest",
    "min": "smallest",
    "sum": "sum",
    "l": "list",
    "arr1": "first array",
    "arr2": "second array",
    "str1": "first string",
    "str2": "second string",
}
BARE = frozenset(
    {
        "best",
        "running",
        "current",
        "lowest",
        "highest",
        "largest",
        "smallest",
        "low",
        "high",
        "left",
        "right",
        "middle",
        "mid",
        "prev",
        "previous",
        "last",
        "first",
        "second",
        "next",
    }
)
PREDICATES = {
    "startswith": ("{} starts with {}", "{} does not start with {}"),
    "endswith": ("{} ends with {}", "{} does not end with {}"),
}
COMPARE = {
    ast.Gt: "is greater than",
    ast.Lt: "is less than",
    ast.GtE: "is at least",
    ast.LtE: "is at most",
    ast.Eq: "is equal to",
    ast.NotEq: "is different from",
    ast.In: "is in",
    ast.NotIn: "is not in",
}
BINARY = {
    ast.Add: ("{} plus {}", "the sum of {} and {}"),
    ast.Sub: ("{} minus {}", "the difference of {} and {}"),
    ast.Mult: ("{} times {}", "the product of {} and {}"),
    ast.Div: ("{} divided by {}", "the quotient of {} by {}"),
    ast.FloorDiv: ("{} divided by {}, rounded down", "the whole quotient of {} by {}"),
    ast.Mod: ("the remainder of {} divided by {}", "the remainder of {} divided by {}"),
    ast.Pow: ("{} to the power {}", "{} to the power {}"),
    ast.BitAnd: ("the bitwise and of {} and {}", "the bitwise and of {} and {}"),
    ast.BitOr: ("the bitwise or of {} and {}", "the bitwise or of {} and {}"),
    ast.BitXor: ("the bitwise exclusive or of {} and {}", "the bitwise exclusive or of {} and {}"),
    ast.LShift: ("{} shifted left by {} bits", "{} shifted left by {} bits"),
    ast.RShift: ("{} shifted right by {} bits", "{} shifted right by {} bits"),
}
CONSTANTS = {"math.pi": "the number pi", "sys.maxsize": "the largest machine integer"}
CALLS = {
    "len": "the length of {}",
    "sum": "the sum of {}",
    "abs": "the absolute value of {}",
    "sorted": "{} sorted in ascending order",
    "reversed": "{} reversed",
    "list": "{} as a list",
    "set": "the distinct values of {}",
    "tuple": "{} as a tuple",
    "str": "{} as a string",
    "int": "{} as a whole number",
    "float": "{} as a decimal number",
    "max": "the largest of {}",
    "min": "the smallest of {}",
    "bool": "{} as a truth value",
    "ord": "the character code of {}",
    "chr": "the character with code {}",
    "any": "whether any of {} holds",
    "all": "whether all of {} hold",
    "round": "{} rounded to a whole number",
    "bin": "the binary text of {}, starting with 0b",
}
METHODS = {
    "lower": "{} in lower case",
    "upper": "{} in upper case",
    "strip": "{} without outer spaces",
    "split": "{} split on white space",
    "keys": "the keys of {}",
    "values": "the values of {}",
    "items": "the key and value pairs of {}",
    "isdigit": "{} is a digit",
    "isalpha": "{} is a letter",
    "isupper": "{} is upper case",
    "islower": "{} is lower case",
    "isspace": "{} is white space",
    "isalnum": "{} is a letter or digit",
    "copy": "a copy of {}",
    "title": "{} with each word capitalized",
    "capitalize": "{} with its first letter capitalized",
    "swapcase": "{} with the case of each letter swapped",
}
TWO_ARGUMENTS = {
    "pow": "{} to the power {}",
    "round": "{} rounded to {} decimal places",
    "isinstance": "{} is of the type {}",
}
MATH = {
    "sqrt": "the square root of {}",
    "floor": "{} rounded down",
    "ceil": "{} rounded up",
    "factorial": "the factorial of {}",
    "log": "the natural logarithm of {}",
}

AUGMENTED = {
    ast.Add: "add {v} to {t}",
    ast.Sub: "subtract {v} from {t}",
    ast.Mult: "multiply {t} by {v}",
    ast.Div: "divide {t} by {v}",
    ast.FloorDiv: "divide {t} by {v}, rounding down",
    ast.Mod: "replace {t} with the remainder of {t} divided by {v}",
    ast.Pow: "raise {t} to the power {v}",
}
MUTATIONS = {
    "append": "append {a} to {o}",
    "add": "add {a} to {o}",
    "extend": "append every item of {a} to {o}",
    "remove": "remove the first {a} from {o}",
    "update": "add every entry of {a} to {o}",
    "discard": "remove {a} from {o} if it is there",
}
NO_ARGUMENT = {
    "sort": "sort {o} in ascending order",
    "reverse": "reverse {o}",
    "pop": "remove the last item of {o}",
    "clear": "empty {o}",
}
