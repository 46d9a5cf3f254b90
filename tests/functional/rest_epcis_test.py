#!/usr/bin/env python3
"""GS1 EPCIS 2.0 and QR codes on a live node's REST listener (docs/API.md "GS1 EPCIS
2.0 and QR codes"). A farm issues two lots (one with gtin/lot/read_point), hands them to a
cooperative, which merges them; a certifier attests an organic certificate with a document; the
cooperative splits the merged lot; a carrier attests a temperature; the cooperative roasts one
half (asset.transform, gtin+lot+serial). GET /v1/assets/{id}/epcis of every asset, alone and
with ?lineage=1, must validate against GS1's EPCIS 2.0 JSON schema (tests/data/epcis/, with a
format checker: date-time, and uri by RFC 3986's absolute-URI grammar, which jsonschema only
checks with packages Debian lacks), and together they must hold every kind of event. GS1's own
example documents validate too (the validator works) and deliberately broken documents do not
(the test can fail). Errors: malformed and unknown ids, a bad lineage value. The QR code of a
lot with gtin and lot encodes its Digital Link, which resolves to the lot's page; one without
encodes the page itself.

Needs python3-jsonschema (Debian); without it the test is skipped (exit 77)."""

import copy
import json
import os
import re
import urllib.error
import urllib.request

try:
    import jsonschema
except ImportError:
    jsonschema = None

from framework import (WaybillTestFramework, assert_equal, assert_true, free_port, log,
                       skip_if, wait_until)

# RFC 3986 section 4.3 absolute-URI (scheme ":" then path, query, fragment characters or
# percent-escapes): what the schema's "format": "uri" means.
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-Fa-f]{2})*$")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class RestEpcisTest(WaybillTestFramework):
    time_limit = 300

    def extra_args(self, index):
        self.rest_port = free_port()
        return ["--rest", f"--restport={self.rest_port}"]

    def run_test(self):
        self.base = f"http://127.0.0.1:{self.rest_port}"
        wait_until(lambda: self.get_status("/v1/status") == 200, timeout=30,
                   what="the REST listener")
        self.validator = self.make_validator(jsonschema)
        self.check_validator()

        node = self.nodes[0]
        rpc = node.rpc
        farm_key, farm = self.dev_key(1)
        coop_key, coop = self.dev_key(2)
        certifier_key, _ = self.dev_key(3)
        carrier_key, _ = self.dev_key(4)
        _, miner = self.dev_key(9)

        log("the lineage: two lots, custody, merge, certificate, split, temperature, roast")
        lot1 = self.tx(node, "issue", farm_key, "--quantity", "1200.0", "--unit", "kg",
                       "--meta", "gtin=09506000134352", "--meta", "lot=L1",
                       "--meta", "origin=Huila", "--meta", "read_point=9506000134000")["assets"][0]
        lot2 = self.tx(node, "issue", farm_key, "--quantity", "800.0", "--unit", "kg",
                       "--meta", "origin=Narino")["assets"][0]
        rpc.generatetoaddress(1, miner)
        for lot in (lot1, lot2):
            self.tx(node, "asset-transfer", farm_key, "--asset", lot, "--to", coop)
        rpc.generatetoaddress(1, miner)
        merged = self.tx(node, "merge", coop_key, "--inputs", f"{lot1},{lot2}",
                         "--quantity", "2000.0", "--unit", "kg", "--meta", "gtin=09506000134352",
                         "--meta", "lot=M1")["assets"][0]
        rpc.generatetoaddress(1, miner)
        self.tx(node, "attest", certifier_key, "--asset", merged, "--claim", "organic",
                "--value", "https://cert.example/eu-bio/123", "--doc", "ab" * 32)
        rpc.generatetoaddress(1, miner)
        halves = self.tx(node, "split", coop_key, "--asset", merged,
                         "--quantities", "1000000,1000000")["assets"]
        rpc.generatetoaddress(1, miner)
        self.tx(node, "attest", carrier_key, "--asset", halves[0], "--claim", "temperature",
                "--value", "4.5 C")
        rpc.generatetoaddress(1, miner)
        roasted = self.tx(node, "transform", coop_key, "--inputs", halves[0],
                          "--outputs", "850.0:kg", "--meta", "gtin=09506000999999",
                          "--meta", "lot=R1", "--meta", "serial=SN-1")["assets"][0]
        rpc.generatetoaddress(1, miner)

        log("every document validates against GS1's schema")
        kinds = set()
        for asset in (lot1, lot2, merged, halves[0], halves[1], roasted):
            for query in ("", "?lineage=1"):
                doc = self.epcis(asset, query)
                self.validate(doc, f"{asset}{query}")
                for e in doc["epcisBody"]["eventList"]:
                    kinds.add(self.kind(e))
        assert_equal(kinds, {"ObjectEvent ADD", "ObjectEvent OBSERVE transfer",
                             "ObjectEvent OBSERVE certificate", "ObjectEvent OBSERVE sensor",
                             "TransformationEvent merge", "TransformationEvent split",
                             "TransformationEvent transform"}, "every kind of event")

        log("the lineage of the roasted coffee: every ancestor's events, once, in height order")
        doc = self.epcis(roasted, "?lineage=1")
        events = doc["epcisBody"]["eventList"]
        assert_equal([self.kind(e) for e in events],
                     ["ObjectEvent ADD", "ObjectEvent ADD", "ObjectEvent OBSERVE transfer",
                      "ObjectEvent OBSERVE transfer", "TransformationEvent merge",
                      "ObjectEvent OBSERVE certificate", "TransformationEvent split",
                      "ObjectEvent OBSERVE sensor", "TransformationEvent transform"],
                     "lineage events")
        heights = [e["waybill:height"] for e in events]
        assert_equal(heights, sorted(heights), "height order")
        assert_equal(len({e["eventID"] for e in events}), len(events), "distinct event ids")
        issue = events[0] if "readPoint" in events[0] else events[1]
        assert_equal(issue["quantityList"], [{"epcClass":
                     "https://id.gs1.org/01/09506000134352/10/L1", "quantity": 1200, "uom": "KGM"}])
        assert_equal(issue["readPoint"], {"id": "https://id.gs1.org/414/9506000134000"})
        assert_equal(events[2]["destinationList"][0],
                     {"type": "owning_party", "destination": f"urn:waybill:account:{coop}"})
        assert_equal(events[2]["sourceList"][1],
                     {"type": "possessing_party", "source": f"urn:waybill:account:{farm}"})
        assert_equal(events[7]["sensorElementList"][0]["sensorReport"][0],
                     {"type": "Temperature", "value": 4.5, "uom": "CEL"})
        assert_equal(events[5]["certificationInfo"][0], "https://cert.example/eu-bio/123")
        assert_equal(events[8]["outputEPCList"],
                     ["https://id.gs1.org/01/09506000999999/21/SN-1"])
        assert_equal(len(self.epcis(roasted, "")["epcisBody"]["eventList"]), 1,
                     "without lineage: the roast alone")

        log("errors")
        for path, status in ((f"/v1/assets/{'zz' * 32}/epcis", 400),
                             (f"/v1/assets/{'00' * 32}/epcis", 404),
                             (f"/v1/assets/{lot1}/epcis?lineage=2", 400),
                             (f"/v1/assets/{'00' * 32}/qr.svg", 404),
                             ("/v1/assets/12/qr.svg", 400)):
            assert_equal(self.get_status(path), status, path)

        log("QR codes: the Digital Link with gtin and lot, else the asset's page")
        svg, ctype = self.get(f"/v1/assets/{lot1}/qr.svg")
        assert_equal(ctype, "image/svg+xml")
        uri = re.search(r'data-uri="([^"]*)"', svg).group(1)
        assert_true(uri.endswith("/01/09506000134352/10/L1"), f"Digital Link: {uri}")
        assert_true(f"<title>{uri}</title>" in svg and svg.count("<path") == 1, "SVG structure")
        path = uri[uri.index("/01/"):]
        location = self.redirect(path)
        assert_true(location.endswith(f"/asset/{lot1}"),
                    f"the Digital Link resolves to the lot's page: {location}")
        svg, _ = self.get(f"/v1/assets/{lot2}/qr.svg")
        uri = re.search(r'data-uri="([^"]*)"', svg).group(1)
        assert_true(uri.startswith("http") and uri.endswith(f"/asset/{lot2}"), f"page: {uri}")

    # -- the validator

    def make_validator(self, jsonschema):
        with open(os.path.join(self.options.srcdir, "tests", "data", "epcis",
                               "EPCIS-JSON-Schema.json")) as f:
            schema = json.load(f)
        checker = jsonschema.FormatChecker()

        @checker.checks("uri")
        def is_uri(value):
            return not isinstance(value, str) or URI.match(value) is not None

        assert_true("date-time" in checker.checkers, "jsonschema checks date-time")
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        return cls(schema, format_checker=checker)

    def validate(self, doc, what):
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300]
                  for e in self.validator.iter_errors(doc)]
        assert_equal(errors, [], f"schema errors of {what}")

    def check_validator(self):
        log("GS1's examples validate; broken documents do not")
        folder = os.path.join(self.options.srcdir, "tests", "data", "epcis")
        examples = sorted(f for f in os.listdir(folder) if f.endswith(".jsonld"))
        assert_equal(len(examples), 2, "GS1's examples")
        for name in examples:
            with open(os.path.join(folder, name)) as f:
                example = json.load(f)
            self.validate(example, name)
            for mutate in (lambda d: d["epcisBody"]["eventList"][0].pop("eventTime"),
                           lambda d: d["epcisBody"]["eventList"][0].update(eventTime="yesterday"),
                           lambda d: d["epcisBody"]["eventList"][0].update(eventID="not a uri"),
                           lambda d: d.update(schemaVersion="two"),
                           lambda d: d["epcisBody"]["eventList"][0].update(bizStep="Shipping")):
                broken = copy.deepcopy(example)
                mutate(broken)
                assert_true(any(True for _ in self.validator.iter_errors(broken)),
                            f"a broken {name} must fail")

    @staticmethod
    def kind(e):
        if e["type"] == "TransformationEvent":
            return f"TransformationEvent {e['waybill:operation']}"
        if e["action"] == "ADD":
            return "ObjectEvent ADD"
        if "sourceList" in e:
            return "ObjectEvent OBSERVE transfer"
        if "sensorElementList" in e:
            return "ObjectEvent OBSERVE sensor"
        if "certificationInfo" in e:
            return "ObjectEvent OBSERVE certificate"
        return "ObjectEvent OBSERVE other"

    # -- HTTP

    def epcis(self, asset, query):
        body, ctype = self.get(f"/v1/assets/{asset}/epcis{query}")
        assert_equal(ctype, "application/ld+json", "EPCIS content type")
        return json.loads(body)

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            return r.read().decode(), r.headers.get_content_type()

    def get_status(self, path):
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    def get_text(self, path):
        try:
            return self.get(path)[0]
        except urllib.error.HTTPError as e:
            return e.read().decode()

    def redirect(self, path):
        opener = urllib.request.build_opener(NoRedirect)
        req = urllib.request.Request(self.base + path, headers={"Accept": "text/html"})
        try:
            opener.open(req, timeout=30)
        except urllib.error.HTTPError as e:
            assert_equal(e.code, 302, f"{path} redirects")
            return e.headers["Location"]
        raise AssertionError(f"{path} did not redirect")

    @staticmethod
    def tx(node, command, key, *args):
        out = json.loads(node.cli("tx", command, "--key", key, "--json", *args))
        log(f"  tx {command}: {out['txid']}")
        return out


if __name__ == "__main__":
    skip_if(None if jsonschema else "python3-jsonschema is not installed (scripts/setup.sh)")
    RestEpcisTest().main()
