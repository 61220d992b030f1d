"""csource.py: just enough of C to find mutation sites in impl/'s model.

Tokens (with their byte offsets and lines), the functions defined at file
scope, and each function's statements as a tree (blocks, if/else, loops,
guards, expression statements).  The model is written in one plain style
(musl-like, no macros that change the syntax), which is what this reads;
anything it cannot follow raises CSyntaxError naming the file and line.

Must not: edit anything (operators.py makes the edits) or run anything.
"""

import re
from dataclasses import dataclass, field

PUNCTUATORS = sorted("""
... <<= >>= -> ++ -- << >> <= >= == != && || *= /= %= += -= &= ^= |=
{ } [ ] ( ) ; , : ? . + - * / % & | ^ ! ~ < > =
""".split(), key=len, reverse=True)

TOKEN_RE = re.compile(r"""
    (?P<pp>^[ \t]*\#(?:[^\n\\]|\\.)*)
  | (?P<space>[ \t\r\n\f\v]+)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<number>(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*)
  | (?P<ident>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<punct>""" + "|".join(re.escape(p) for p in PUNCTUATORS) + r""")
""", re.VERBOSE | re.DOTALL | re.MULTILINE)

# Words that start a declaration, and the typedef names the model uses.
TYPE_WORDS = {
    "void", "char", "short", "int", "long", "unsigned", "signed", "float", "double", "_Bool",
    "struct", "union", "enum", "const", "volatile", "static", "register", "extern", "inline",
    "size_t", "ssize_t", "pid_t", "uid_t", "gid_t", "uintptr_t", "intptr_t", "int32_t", "uint32_t",
    "int64_t", "uint64_t", "msglen_t", "msgqnum_t", "key_t", "time_t",
}


class CSyntaxError(Exception):
    pass


@dataclass
class Token:
    kind: str          # number, ident, string, char, punct
    text: str
    start: int         # byte offsets into the source
    end: int
    line: int


def tokenize(text, path="<source>"):
    tokens, pos, line = [], 0, 1
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise CSyntaxError(f"{path}:{line}: cannot read {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        if kind not in ("space", "comment", "pp"):
            tokens.append(Token(kind, m.group(), m.start(), m.end(), line))
        line += m.group().count("\n")
        pos = m.end()
    return tokens


@dataclass
class Stmt:
    """One statement: its kind, its tokens [first, last] (inclusive) and parts.

    kind: block, if, for, while, do, switch, label, return, jump (break,
    continue, goto), decl, expr, empty.  For if: cond (token range inside
    the parentheses), then, orelse.  For for: init, cond, step (token
    ranges, possibly empty), body.  For while/switch: cond, body.
    """
    kind: str
    first: int
    last: int
    cond: tuple = None
    init: tuple = None
    step: tuple = None
    then: "Stmt" = None
    orelse: "Stmt" = None
    body: "Stmt" = None
    children: list = field(default_factory=list)

    def walk(self):
        yield self
        for s in (self.then, self.orelse, self.body):
            if s:
                yield from s.walk()
        for s in self.children:
            yield from s.walk()


@dataclass
class Function:
    name: str
    first: int         # the token of its name
    body: Stmt         # the block


OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {v: k for k, v in OPENERS.items()}


def matching(tokens, i):
    """The index of the bracket paired with the one at I (forward from an
    opener, backward from a closer), or None when it has no pair."""
    here = tokens[i].text
    if here in OPENERS:
        other, indexes = OPENERS[here], range(i, len(tokens))
    else:
        other, indexes = CLOSERS[here], range(i, -1, -1)
    depth = 0
    for j in indexes:
        if tokens[j].text == here:
            depth += 1
        elif tokens[j].text == other:
            depth -= 1
            if depth == 0:
                return j
    return None


class Parser:
    def __init__(self, tokens, path):
        self.t = tokens
        self.path = path

    def fail(self, i, why):
        line = self.t[min(i, len(self.t) - 1)].line if self.t else 1
        raise CSyntaxError(f"{self.path}:{line}: {why}")

    def text(self, i):
        return self.t[i].text if i < len(self.t) else ""

    def expect(self, i, text):
        if self.text(i) != text:
            self.fail(i, f"expected '{text}', found '{self.text(i)}'")
        return i + 1

    def match(self, i):
        """The index of the bracket closing the one at I."""
        j = matching(self.t, i)
        if j is None:
            self.fail(i, f"'{self.t[i].text}' never closed")
        return j

    def until(self, i, stops):
        """The first index at bracket depth 0 from I whose text is in STOPS."""
        while i < len(self.t):
            tx = self.t[i].text
            if tx in stops:
                return i
            if tx in "([{":
                i = self.match(i)
            i += 1
        self.fail(i, f"expected one of {sorted(stops)}")

    def paren(self, i):
        """The contents of the parenthesis at I as (first, last), and what follows."""
        i = self.expect(i, "(")
        close = self.match(i - 1)
        return (i, close - 1), close + 1

    def block(self, i):
        first = i
        i = self.expect(i, "{")
        children = []
        while self.text(i) != "}":
            if i >= len(self.t):
                self.fail(i, "block never closed")
            s, i = self.stmt(i)
            children.append(s)
        return Stmt("block", first, i, children=children), i + 1

    def stmt(self, i):
        tx, first = self.text(i), i
        if tx == "{":
            return self.block(i)
        if tx == ";":
            return Stmt("empty", i, i), i + 1
        if tx == "if":
            cond, i = self.paren(i + 1)
            then, i = self.stmt(i)
            orelse = None
            if self.text(i) == "else":
                orelse, i = self.stmt(i + 1)
            return Stmt("if", first, i - 1, cond=cond, then=then, orelse=orelse), i
        if tx in ("while", "switch"):
            cond, i = self.paren(i + 1)
            body, i = self.stmt(i)
            return Stmt(tx, first, i - 1, cond=cond, body=body), i
        if tx == "for":
            (a, b), i = self.paren(i + 1)
            s1 = self.until(a, {";"})
            s2 = self.until(s1 + 1, {";"})
            body, i = self.stmt(i)
            return Stmt("for", first, i - 1, init=(a, s1 - 1), cond=(s1 + 1, s2 - 1), step=(s2 + 1, b),
                        body=body), i
        if tx == "do":
            body, i = self.stmt(i + 1)
            i = self.expect(i, "while")
            cond, i = self.paren(i)
            i = self.expect(i, ";")
            return Stmt("do", first, i - 1, cond=cond, body=body), i
        if tx in ("case", "default"):
            end = self.until(i + 1, {":"})
            return Stmt("label", first, end), end + 1
        if self.t[i].kind == "ident" and self.text(i + 1) == ":":
            return Stmt("label", first, i + 1), i + 2
        end = self.until(i, {";"})
        if tx == "return":
            kind = "return"
        elif tx in ("break", "continue", "goto"):
            kind = "jump"
        elif self.is_declaration(i):
            kind = "decl"
        else:
            kind = "expr"
        return Stmt(kind, first, end), end + 1

    def is_declaration(self, i):
        t0, t1 = self.t[i], self.t[i + 1] if i + 1 < len(self.t) else None
        if t0.text in TYPE_WORDS:
            return True
        # a typedef name: NAME NAME or NAME * NAME
        return t0.kind == "ident" and t1 is not None and (
            t1.kind == "ident" or (t1.text == "*" and i + 2 < len(self.t) and self.t[i + 2].kind == "ident"
                                   and self.text(i + 3) in ("=", ";", ",", "[")))

    def functions(self):
        """Every function defined at file scope: NAME ( ... ) { ... }."""
        out, i = [], 0
        while i < len(self.t):
            tx = self.t[i].text
            if tx == "(" and i > 0 and self.t[i - 1].kind == "ident":
                close = self.match(i)
                if self.text(close + 1) == "{":
                    body, after = self.block(close + 1)
                    out.append(Function(self.t[i - 1].text, i - 1, body))
                    i = after
                    continue
                i = close + 1
                continue
            if tx in ("{", "["):
                i = self.match(i) + 1       # a struct, an initialiser: not code
                continue
            i += 1
        return out


@dataclass
class Source:
    path: str          # as named in ids and reports (e.g. impl/msg.c)
    text: str
    tokens: list
    functions: list

    def span(self, first, last):
        """The source text of tokens FIRST..LAST (inclusive)."""
        return self.text[self.tokens[first].start:self.tokens[last].end]

    def line_of(self, offset):
        return self.text.count("\n", 0, offset) + 1


def parse(text, path):
    tokens = tokenize(text, path)
    return Source(path, text, tokens, Parser(tokens, path).functions())
