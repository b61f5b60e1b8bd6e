"""Checks that every kernel kind the interpreter runs has a C emission:
every integer step kind (DL_QKINDS in include/dlc/plan.h) is a case of the
interpreter's switch (lib/plan/qplan.c) and of the C emitter's
(targets/c/emit_c.c), and neither switch over step kinds has a default that
could skip one; every float call kind is a row of include/dlc/calls.def,
which both switches include. usage: check_call_kinds.py SRC [EMIT_C]
(EMIT_C: another emitter file, for the test of this check)."""
import re
import sys

src = sys.argv[1]
emit_path = sys.argv[2] if len(sys.argv) > 2 else src + "/targets/c/emit_c.c"
plan_h = open(src + "/include/dlc/plan.h").read()
qkinds = re.findall(r"X\((\w+), \"\w+\"\)", plan_h[plan_h.index("#define DL_QKINDS"):])
calls = re.findall(r"^DL_CALL\((\w+),", open(src + "/include/dlc/calls.def").read(), re.M)
bad = []


def switch_body(text, head):
    """The text of the switch statement that starts at head (to its closing brace)."""
    i = text.index(head)
    j = text.index("{", i)
    depth = 0
    for k in range(j, len(text)):
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        if depth == 0:
            return text[j:k + 1]
    return text[j:]


for name, path, head in (("interpreter", src + "/lib/plan/qplan.c", "switch (q->kind)"),
                         ("C emitter", emit_path, "switch (q->kind)")):
    text = open(path).read()
    if head not in text:
        bad.append("%s: no integer step switch (%r) in %s" % (name, head, path))
        continue
    body = switch_body(text, head)
    for k in qkinds:
        if "case DL_Q_%s:" % k not in body:
            bad.append("%s: integer kind DL_Q_%s has no case" % (name, k))
    if re.search(r"\bdefault\s*:", body):
        bad.append("%s: the integer step switch has a default (a kind could be skipped)" % name)
for name, path, head in (("interpreter", src + "/lib/plan/lower.c", None), ("C emitter", emit_path, "switch (c->kind)")):
    text = open(path).read()
    if '#include "dlc/calls.def"' not in text:
        bad.append("%s: does not expand calls.def" % name)
    if head:
        body = switch_body(text, head)
        if '#include "dlc/calls.def"' not in body or re.search(r"\bdefault\s*:", body):
            bad.append("%s: the float call switch is not calls.def's rows without a default" % name)
for b in bad:
    print("FAIL " + b)
print("%d integer kinds, %d float call kinds: %s" % (len(qkinds), len(calls), "ok" if not bad else "%d problems" % len(bad)))
sys.exit(1 if bad else 0)
