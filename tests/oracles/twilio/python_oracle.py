#!/usr/bin/python3
"""Verdicts of Twilio's official Python helper library (Debian python3-twilio) on signature cases.

Reads a JSON array of cases on stdin: {token, url, signature, params: [[name, value], ...] | null,
body: str | null}. Writes {"version", "repeated_names", "verdicts": [true | false | "error: ..."]}.
Form parameters go in as Django's QueryDict would hand them over (getlist for every value, []/items()
giving the last one), which is how the library is used with repeated names.
"""
import json
import sys

import twilio
from twilio.request_validator import RequestValidator


class QueryDict(dict):
    """The parts of django.http.QueryDict (a MultiValueDict) the validator touches."""

    def __init__(self, pairs):
        super().__init__()
        for name, value in pairs:
            dict.setdefault(self, name, []).append(value)

    def getlist(self, name):
        return list(dict.__getitem__(self, name))

    def __getitem__(self, name):
        return dict.__getitem__(self, name)[-1]

    def items(self):
        return [(name, values[-1]) for name, values in dict.items(self)]


def verdict(case):
    validator = RequestValidator(case["token"])
    params = case["body"] if case["body"] is not None else QueryDict(case["params"] or [])
    try:
        return bool(validator.validate(case["url"], params, case["signature"]))
    except Exception as error:  # the library raises on some inputs; the test explains which
        return "error: %s: %s" % (type(error).__name__, error)


cases = json.load(sys.stdin)
json.dump(
    {
        "version": getattr(twilio, "__version__", "unknown"),
        # twilio-python 7.14.0 (#615) added get_values: each distinct value of a repeated name.
        "repeated_names": hasattr(RequestValidator, "get_values"),
        "verdicts": [verdict(c) for c in cases],
    },
    sys.stdout,
)
