"""operators.py: the mutants of one C source file, by operator class.

Each class finds its sites in every function (in source order) and makes
one mutant a site, as exact edits of the source text.  A mutant's id is
FILE:FUNCTION:CLASS:N, N counting that class's sites in that function, so
an edit elsewhere in the file leaves it as it is.

The classes (README.md says why each exists):
  rel          a relational operator at its boundary: < <=, > >= swapped
  bound        the limit of a comparison off by one the other way
               (a < L -> a < L - 1, a <= L -> a <= L + 1, ...)
  eq           == and != swapped
  errno        an errno replaced by its neighbour among the function's
               (the next distinct one in source order, cyclically; the
               file's when the function has only one)
  check-del    a guard (an if without else that returns or jumps) removed
  check-order  a guard moved after the guard that follows it
  stmt-del     an expression statement with a side effect removed (an
               assignment, an increment, a call other than a free)
  flag         a flag test inverted: (x & F) -> !(x & F), !(x & F) -> (x & F)
  loop-first   a loop's first element skipped
  loop-last    a loop's last element skipped

Must not: read anything but the source it is given, or build and run
anything (mutants.py does).
"""

import errno as errno_module
import hashlib
from dataclasses import dataclass, field

from csource import matching, parse

CLASSES = ["rel", "bound", "eq", "errno", "check-del", "check-order", "stmt-del", "flag",
           "loop-first", "loop-last"]

ERRNO_NAMES = set(errno_module.errorcode.values())

# Functions that only give memory back: a leak is no behaviour a scenario
# (or a kernel) can show, so mutating them measures nothing.
TEARDOWN = {"free_messages", "model_msg_free_all", "model_sem_free_all", "model_shm_free_all", "model_ns_free"}
# Calls whose removal is a leak and nothing else.
FREES = {"model_free", "free"}

ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}
REL_SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
# bound: the other direction from REL_SWAP's
BOUND_DELTA = {"<": -1, "<=": +1, ">": +1, ">=": -1}
# where an operand of a comparison ends, at its own depth
OPERAND_END = {"&&", "||", "?", ":", ",", ";", ")", "]", "}", "==", "!=", "&", "|", "^",
               "<", ">", "<=", ">="} | ASSIGN


@dataclass
class Edit:
    start: int                 # byte offsets into the original text
    end: int
    new: str


@dataclass
class Mutant:
    id: str
    file: str                  # e.g. impl/msg.c
    function: str
    op: str
    line: int                  # the first line the edit touches
    lines: list                # every original line the edits touch
    edits: list
    before: str                # the original text of the edited span(s)
    after: str                 # what replaces it
    digest: str = ""           # of the mutated source: two ids, one program?
    extra: dict = field(default_factory=dict)

    def apply(self, text):
        for e in sorted(self.edits, key=lambda e: e.start, reverse=True):
            text = text[:e.start] + e.new + text[e.end:]
        return text


class FileMutator:
    def __init__(self, text, path):
        self.text = text
        self.path = path
        self.src = parse(text, path)
        self.t = self.src.tokens
        self.name = path.rsplit("/", 1)[-1]
        self.file_errnos = self.errnos_in(0, len(self.t) - 1)

    # ---- helpers ----

    def tx(self, i):
        return self.t[i].text if 0 <= i < len(self.t) else ""

    def span(self, first, last):
        return self.src.span(first, last)

    def match(self, i):
        """The bracket paired with the one at I (either way)."""
        j = matching(self.t, i)
        if j is None:
            raise ValueError("unbalanced")
        return j

    def right_operand(self, op_index, limit):
        """Tokens of the operand right of the operator at OP_INDEX: (first, last)."""
        i = op_index + 1
        while i <= limit:
            tx = self.tx(i)
            if tx in ("(", "["):
                i = self.match(i) + 1
                continue
            if tx in OPERAND_END:
                break
            i += 1
        return op_index + 1, i - 1

    def lines_of(self, first, last):
        return list(range(self.t[first].line, self.t[last].line + 1))

    def errnos_in(self, first, last):
        out = []
        for i in range(first, last + 1):
            if self.is_errno_value(i) and self.t[i].text not in out:
                out.append(self.t[i].text)
        return out

    def is_errno_value(self, i):
        tok = self.t[i]
        if tok.kind != "ident" or tok.text not in ERRNO_NAMES:
            return False
        # a value made, not one compared with or a case label
        return self.tx(i - 1) not in ("==", "!=", "case") and self.tx(i + 1) not in ("==", "!=")

    def simple(self, first, last):
        """Is tokens FIRST..LAST one operand that needs no parentheses?"""
        i = first
        while i <= last:
            tx = self.tx(i)
            if tx in ("(", "["):
                i = self.match(i) + 1
                continue
            if self.t[i].kind in ("ident", "number") or tx in ("->", ".", "!", "~"):
                i += 1
                continue
            return False
        return True

    # ---- the mutants of every function ----

    def mutants(self):
        out = []
        for fn in self.src.functions:
            if fn.name in TEARDOWN:
                continue
            self.parents = {}
            for s in fn.body.walk():
                for child in [s.then, s.orelse, s.body] + list(s.children):
                    if child is not None:
                        self.parents[id(child)] = s
            per_class = {c: [] for c in CLASSES}
            self.relational(fn, per_class)
            self.errnos(fn, per_class)
            self.guards(fn, per_class)
            self.statements(fn, per_class)
            self.flags(fn, per_class)
            self.loops(fn, per_class)
            for op in CLASSES:
                for n, (edits, first, last, extra) in enumerate(per_class[op]):
                    out.append(self.make(fn.name, op, n, edits, first, last, extra))
        return out

    def make(self, function, op, n, edits, first, last, extra):
        edits = sorted(edits, key=lambda e: e.start)
        # the whole lines the edits touch, before and after
        region_start = self.text.rfind("\n", 0, edits[0].start) + 1
        region_end = self.text.find("\n", max(edits[-1].end, edits[-1].start + 1) - 1)
        region_end = len(self.text) if region_end < 0 else region_end
        before = self.text[region_start:region_end]
        after = before
        for e in reversed(edits):
            after = after[:e.start - region_start] + e.new + after[e.end - region_start:]
        lines = sorted({ln for e in edits for ln in range(self.src.line_of(e.start),
                                                             self.src.line_of(max(e.start, e.end - 1)) + 1)})
        m = Mutant(f"{self.name}:{function}:{op}:{n}", self.path, function, op, lines[0], lines, edits,
                   before, after, extra=extra or {})
        m.digest = hashlib.sha256(m.apply(self.text).encode()).hexdigest()[:16]
        return m

    def edit(self, first, last, new):
        return Edit(self.t[first].start, self.t[last].end, new)

    def body_range(self, fn):
        return fn.body.first, fn.body.last

    # rel, bound, eq
    def relational(self, fn, per_class):
        a, b = self.body_range(fn)
        for i in range(a, b + 1):
            tx = self.tx(i)
            if tx in REL_SWAP:
                per_class["rel"].append(([self.edit(i, i, REL_SWAP[tx])], i, i, None))
                first, last = self.right_operand(i, b)
                if first > last:
                    continue
                operand = self.span(first, last)
                delta = BOUND_DELTA[tx]
                if first == last and self.t[first].kind == "number" and self.tx(first).isdigit():
                    new = str(int(self.tx(first)) + delta)
                else:
                    new = (operand if self.simple(first, last) else f"({operand})") + \
                        (" + 1" if delta > 0 else " - 1")
                per_class["bound"].append(([self.edit(first, last, new)], first, last, None))
            elif tx in ("==", "!="):
                per_class["eq"].append(([self.edit(i, i, "!=" if tx == "==" else "==")], i, i, None))

    def errnos(self, fn, per_class):
        a, b = self.body_range(fn)
        mine = self.errnos_in(a, b)
        pool = mine if len(mine) > 1 else self.file_errnos
        if len(pool) < 2:
            return
        for i in range(a, b + 1):
            if self.is_errno_value(i):
                name = self.tx(i)
                new = pool[(pool.index(name) + 1) % len(pool)]
                per_class["errno"].append(([self.edit(i, i, new)], i, i, None))

    # check-del, check-order
    def is_guard(self, s):
        if s.kind != "if" or s.orelse is not None:
            return False
        body = s.then
        if body.kind == "block":
            if not body.children:
                return False
            body = body.children[-1]
        return body.kind in ("return", "jump")

    def has_side_effect(self, first, last):
        return any(self.tx(i) in ASSIGN or self.tx(i) in ("++", "--") for i in range(first, last + 1))

    def removal(self, s):
        """An edit that removes statement S and keeps the program well formed."""
        parent = self.parents.get(id(s))
        if parent is None or parent.kind != "block":
            return self.edit(s.first, s.last, "{}")
        index = next(k for k, c in enumerate(parent.children) if c is s)
        if index > 0 and parent.children[index - 1].kind == "label":
            return self.edit(s.first, s.last, ";")
        # the whole line when the statement is alone on its lines
        start, end = self.t[s.first].start, self.t[s.last].end
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", end)
        if self.text[line_start:start].strip() == "" and line_end >= 0 and self.text[end:line_end].strip() == "":
            return Edit(line_start, line_end + 1, "")
        return Edit(start, end, "")

    def guards(self, fn, per_class):
        for s in fn.body.walk():
            if not self.is_guard(s):
                continue
            c1, c2 = s.cond
            if self.has_side_effect(c1, c2):
                edit = self.edit(s.first, s.last, f"(void)({self.span(c1, c2)});")
            else:
                edit = self.removal(s)
            per_class["check-del"].append(([edit], s.first, s.last, None))
        for s in fn.body.walk():
            if s.kind != "block":
                continue
            for g1, g2 in zip(s.children, s.children[1:]):
                if not (self.is_guard(g1) and self.is_guard(g2)) or self.guards_what_follows(g1, g2):
                    continue
                text1, text2 = self.span(g1.first, g1.last), self.span(g2.first, g2.last)
                edits = [self.edit(g1.first, g1.last, text2), self.edit(g2.first, g2.last, text1)]
                per_class["check-order"].append((edits, g1.first, g2.last, None))

    def guards_what_follows(self, g1, g2):
        """Does G1 check that a pointer G2 reads is there (if (!p) ...)? Then
        moving it after G2 is a NULL dereference, not an order of checks."""
        c1, c2 = g1.cond
        names = set()
        if self.tx(c1) == "!" and all(self.t[i].kind == "ident" or self.tx(i) in ("->", ".")
                                      for i in range(c1 + 1, c2 + 1)):
            names = {self.tx(i) for i in range(c1 + 1, c2 + 1) if self.t[i].kind == "ident"}
        elif self.tx(c2 - 1) == "==" and self.tx(c2) == "NULL":
            names = {self.tx(i) for i in range(c1, c2 - 1) if self.t[i].kind == "ident"}
        if not names:
            return False
        return any(self.tx(i) in names for i in range(g2.first, g2.last + 1))

    def statements(self, fn, per_class):
        for s in fn.body.walk():
            if s.kind != "expr":
                continue
            toks = [self.tx(i) for i in range(s.first, s.last + 1)]
            if toks[0] in FREES and toks[1] == "(":
                continue
            if not (set(toks) & (ASSIGN | {"++", "--", "("})):
                continue
            per_class["stmt-del"].append(([self.removal(s)], s.first, s.last, None))

    def flags(self, fn, per_class):
        a, b = self.body_range(fn)
        cond_parens = {}
        for s in fn.body.walk():
            if s.kind in ("if", "while", "do", "switch"):
                cond_parens[s.cond[0] - 1] = s
        for i in range(a, b + 1):
            if self.tx(i) != "(":
                continue
            close = self.match(i)
            if not self.is_flag_test(i + 1, close - 1):
                continue
            if i in cond_parens or (self.t[i - 1].kind == "ident" and self.tx(i - 1) not in ("return",)):
                if i not in cond_parens:
                    continue                  # a call's arguments
                inner = self.span(i + 1, close - 1)
                if self.tx(i + 1) == "!" and self.tx(i + 2) == "(" and self.match(i + 2) == close - 1:
                    edit = self.edit(i + 1, close - 1, self.span(i + 2, close - 1))
                else:
                    edit = self.edit(i + 1, close - 1, f"!({inner})")
            elif self.tx(i - 1) == "!":
                edit = self.edit(i - 1, i - 1, "")
            else:
                edit = Edit(self.t[i].start, self.t[i].start, "!")
            per_class["flag"].append(([edit], i, close, None))

    def is_flag_test(self, first, last):
        """Tokens FIRST..LAST are X & Y (& Z ...): a bitwise and at their top level, nothing looser."""
        found, i = False, first
        while i <= last:
            tx = self.tx(i)
            if tx in ("(", "["):
                i = self.match(i) + 1
                continue
            if tx in ("&&", "||", "?", ":", ",", "|", "^") or tx in ASSIGN:
                return False
            if tx == "&":
                prev = self.t[i - 1]
                if prev.kind in ("ident", "number") or prev.text in (")", "]"):
                    found = True
            i += 1
        return found

    # loop-first, loop-last
    def walk_step(self, first, last):
        """A step V = E->F or V = &E->F: (V, the next element's test E->F)."""
        toks = [self.tx(i) for i in range(first, last + 1)]
        if len(toks) < 5 or toks[1] != "=" or self.t[first].kind != "ident":
            return None
        rhs = first + 2
        if toks[2] == "&":
            rhs += 1
        if self.tx(last - 1) != "->" or self.t[last].kind != "ident":
            return None
        return toks[0], self.span(rhs, last)

    def counting_step(self, first, last):
        """A step V++ or ++V: V; V-- or --V: "-" + V."""
        toks = [self.tx(i) for i in range(first, last + 1)]
        if len(toks) != 2 or not ({"++", "--"} & set(toks)):
            return None
        op, var = (toks[1], toks[0]) if toks[1] in ("++", "--") else (toks[0], toks[1])
        return var if op == "++" else "-" + var

    def loops(self, fn, per_class):
        for s in fn.body.walk():
            if s.kind == "for":
                self.for_loop(s, per_class)
            elif s.kind == "while" and s.body.kind == "expr":
                walk = self.walk_step(s.body.first, s.body.last - 1)
                if walk:
                    c1, c2 = s.cond
                    cond = self.span(c1, c2)
                    per_class["loop-last"].append(
                        ([self.edit(c1, c2, f"{cond} && {walk[1]}")], s.first, s.last, None))

    def for_loop(self, s, per_class):
        (i1, i2), (c1, c2), (s1, s2) = s.init, s.cond, s.step
        if c1 > c2 or s1 > s2:
            return
        counter = self.counting_step(s1, s2)
        walk = self.walk_step(s1, s2)
        if not counter and not walk:
            return                            # a step the body decides: skipping could read garbage
        # first: a counting loop starts one later; any other skips its first body
        eq = next((k for k in range(i1, i2 + 1) if self.tx(k) == "="), None)
        if counter and not counter.startswith("-") and eq is not None and eq < i2:
            start = self.span(eq + 1, i2)
            try:
                new = str(int(start) + 1)
            except ValueError:
                new = (start if self.simple(eq + 1, i2) else f"({start})") + " + 1"
            per_class["loop-first"].append(([self.edit(eq + 1, i2, new)], s.first, s.last, None))
        else:
            flag = "mutant_skip_first"
            body = s.body
            body_text = self.span(body.first, body.last)
            new_body = f"{{ if ({flag}) {{ {flag} = 0; continue; }} {body_text} }}"
            edits = [Edit(self.t[s.first].start, self.t[s.first].start, f"{{ int {flag} = 1; "),
                     self.edit(body.first, body.last, new_body),
                     Edit(self.t[s.last].end, self.t[s.last].end, " }")]
            per_class["loop-first"].append((edits, s.first, s.last, None))
        # last: a counting loop stops one earlier (i <= N is rel's); a walk
        # stops when the next element is the last
        cond_ops = [self.tx(k) for k in range(c1, c2 + 1)]
        if counter and cond_ops.count("<") == 1 and not set(cond_ops) & {"&&", "||", "<=", ">", ">="} \
                and cond_ops[0] == counter and cond_ops[1] == "<":
            limit = self.span(c1 + 2, c2)
            new = (limit if self.simple(c1 + 2, c2) else f"({limit})") + " - 1"
            per_class["loop-last"].append(([self.edit(c1 + 2, c2, new)], s.first, s.last, None))
        elif walk:
            cond = self.span(c1, c2)
            per_class["loop-last"].append(([self.edit(c1, c2, f"{cond} && {walk[1]}")], s.first, s.last, None))


def mutants_of(text, path):
    return FileMutator(text, path).mutants()
