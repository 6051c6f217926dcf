"""The web front (issue 11): signed-in people act on their cases through server-rendered pages and plain forms.

It is an edge like the CLI: it authenticates the person, asks `domain/` what they may see and do, sends
commands through `runtime.case_commands.send_command`, and shows the rule's sentence on refusal.
"""
