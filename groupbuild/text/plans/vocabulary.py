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
    "rev": "reverse",
    "div": "divisor",
    "temp": "temporary",
    "dict": "table",
    "dic": "table",
    "d": "table",
    "freq": "frequency",
    "len": "length",
    "max": "largest",
    "min": "smallest",
    "sum": "sum",
    "sm": "sum",
    "tot": "total",
    "prod": "product",
    "l": "list",
    "tup1": "first tuple",
    "tup2": "second tuple",
    "arr1": "first array",
    "arr2": "second array",
    "str1": "first string",
    "str2": "second string",
    "list1": "first list",
    "list2": "second list",
}
ORDINALS = {
    "0": "zeroth",
    "1": "first",
    "2": "second",
    "3": "third",
    "4": "fourth",
    "5": "fifth",
    "6": "sixth",
    "7": "seventh",
    "8": "eighth",
    "9": "ninth",
}
"""Trailing digits of a name (`test_tup1`) read as an order ("the first test tuple"), never as a
number the plan states."""
CHAINS = {ast.Add: "the sum", ast.Mult: "the product"}
"""Operators whose chains (`a + b + c`) are worded as one list instead of nested pairs."""
POWERS = {2: "the square", 3: "the cube", 4: "the fourth power", 5: "the fifth power"}
LABELS = {
    "len": "length",
    "set": "distinct values",
    "sorted": "sorted values",
    "sum": "total",
    "max": "largest value",
    "min": "smallest value",
    "list": "list",
    "tuple": "tuple",
    "str": "text",
    "int": "whole number",
    "float": "decimal value",
    "abs": "size",
    "map": "new values",
    "filter": "kept values",
    "zip": "pairs",
    "reversed": "reversed values",
    "Counter": "counts",
    "ord": "character code",
    "pow": "power",
    ".count": "count",
    ".join": "joined text",
    ".split": "parts",
    ".replace": "new text",
    ".lower": "lower case text",
    ".upper": "upper case text",
    ".strip": "trimmed text",
    ".items": "entries",
    ".keys": "keys",
    ".values": "values",
    ".findall": "matches",
    ".sub": "new text",
    ".search": "match",
    "Add": "sum",
    "Sub": "difference",
    "Mult": "product",
    "Div": "ratio",
    "FloorDiv": "whole quotient",
    "Mod": "remainder",
    "Pow": "power",
    "slice": "part",
    "item": "item",
    "comprehension": "new values",
    "filtered": "kept values",
}
"""What a value computed ahead of its use is called, by the operation computing it."""
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
DEFAULT_ENTRIES = {"int": "at 0", "list": "as empty lists", "set": "as empty sets", "str": "empty"}
"""`defaultdict(int)` and the like: what an entry holds before anything is stored in it."""
SET_OPERATORS = {
    ast.BitAnd: "the values shared by {} and {}",
    ast.BitOr: "the values of {} and {} together",
    ast.Sub: "the values of {} not in {}",
    ast.BitXor: "the values in just one of {} and {}",
}
"""Set operators, worded as the set operations they are (never "bitwise and")."""
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
    "dict": "{} as a table",
    "Counter": "the number of times each value occurs in {}",
    "type": "the type of {}",
    "enumerate": "the positions and items of {}",
    "frozenset": "the distinct values of {}",
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
    "lstrip": "{} without leading spaces",
    "rstrip": "{} without trailing spaces",
    "isnumeric": "{} is numeric",
    "isdecimal": "{} is a decimal digit",
    "start": "the start position of {}",
    "end": "the end position of {}",
    "group": "the text matched by {}",
    "most_common": "the values of {} with their counts, most common first",
}
ONE_ARGUMENT_METHODS = {
    "find": "the first position of {a} in {o}, or minus 1 if absent",
    "intersection": "the values {o} shares with {a}",
    "union": "the values of {o} and {a} together",
    "difference": "the values of {o} not in {a}",
    "issubset": "every value of {o} is in {a}",
    "most_common": "the {a} most common values of {o} with their counts",
    "group": "the text matched by group {a} of {o}",
    "pop": "the item of {o} at {a}, taken out of it",
    "rstrip": "{o} without trailing {a}",
    "lstrip": "{o} without leading {a}",
    "strip": "{o} without outer {a}",
    "search": "the first match of {o} in {a}",
    "findall": "every match of {o} in {a}",
}
REGEX = {
    ("search", 2): "the first match of the pattern {0} in {1}",
    ("match", 2): "the match of the pattern {0} at the start of {1}",
    ("fullmatch", 2): "the match of the pattern {0} with all of {1}",
    ("findall", 2): "every match of the pattern {0} in {1}",
    ("finditer", 2): "every match of the pattern {0} in {1}",
    ("split", 2): "{1} split at each match of the pattern {0}",
    ("sub", 3): "{2} with every match of the pattern {0} replaced by {1}",
    ("compile", 1): "the pattern {0}",
}
"""`re` functions; their pattern argument is quoted as written (`Writer.pattern`)."""
MODULE_FUNCTIONS = {
    ("math", "pow", 2): "{0} to the power {1}",
    ("math", "gcd", 2): "the greatest common divisor of {0} and {1}",
    ("math", "log", 2): "the logarithm of {0} in base {1}",
    ("math", "hypot", 2): "the length of the hypotenuse with sides {0} and {1}",
    ("math", "log2", 1): "the binary logarithm of {0}",
    ("math", "log10", 1): "the common logarithm of {0}",
    ("math", "exp", 1): "e to the power {0}",
    ("math", "sin", 1): "the sine of {0}",
    ("math", "cos", 1): "the cosine of {0}",
    ("math", "tan", 1): "the tangent of {0}",
    ("math", "radians", 1): "{0} turned from degrees into radians",
    ("math", "degrees", 1): "{0} turned from radians into degrees",
    ("math", "trunc", 1): "{0} with its fraction dropped",
    ("math", "isqrt", 1): "the whole square root of {0}",
    ("heapq", "heappop", 1): "the smallest item of {0}, taken off the heap",
    ("heapq", "nsmallest", 2): "the {0} smallest items of {1}",
    ("heapq", "nlargest", 2): "the {0} largest items of {1}",
}
MODULE_STATEMENTS = {
    ("heapq", "heappush", 2): "push {1} onto the heap {0}",
    ("heapq", "heapify", 1): "arrange {0} as a heap",
}
MODULE_ALIASES = {"hq": "heapq"}
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
    ast.RShift: "replace {t} with {t} shifted right by {v} bits",
    ast.LShift: "replace {t} with {t} shifted left by {v} bits",
    ast.BitOr: "replace {t} with the bitwise or of {t} and {v}",
    ast.BitAnd: "replace {t} with the bitwise and of {t} and {v}",
    ast.BitXor: "replace {t} with the bitwise exclusive or of {t} and {v}",
}
UPDATES = (ast.Add, ast.Sub, ast.Mult)
"""`x = x op v` read as the update it is ("add v to x"), like `x op= v`."""
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
