// Waybill explorer: a single-page app routed by location.pathname. It reads the node's REST API
// (same origin, /v1/...) and nothing else. Every text from the API goes through textContent or
// setAttribute: no innerHTML with data.
"use strict";

(() => {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const HEX64 = /^[0-9a-fA-F]{64}$/;
  const HEIGHT = /^[0-9]{1,10}$/;
  const ADDRESS = /^[a-z]{1,20}1[02-9ac-hj-np-z]{20,100}$/;
  const MAX_HISTORY_PAGES = 10;  // 10 x 1000 events: bounded even for a busy asset
  const main = document.getElementById("main");

  // ---- DOM helpers ------------------------------------------------------------------------

  // el("a", {href: "/x", class: "c"}, "text", childNode, ...): strings become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      node.setAttribute(k, String(v));
    }
  }

  function append(node, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number"
                           ? document.createTextNode(String(c)) : c);
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function short(hex) {
    return typeof hex === "string" && hex.length > 16 ? hex.slice(0, 8) + "…" + hex.slice(-6) : hex;
  }

  function assetLink(id, text) { return el("a", {href: "/asset/" + id, class: "hash"}, text || short(id)); }
  function txLink(id) { return el("a", {href: "/tx/" + id, class: "hash"}, short(id)); }
  function blockLink(x, text) { return el("a", {href: "/block/" + x}, text || String(x)); }
  function accountLink(a, text) { return el("a", {href: "/account/" + a, class: text ? "" : "hash"}, text || short(a)); }

  function formatTime(seconds) {
    if (typeof seconds !== "number") return "";
    return new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }

  function metaValue(metadata, key) {
    for (const m of metadata || []) if (m.key === key && typeof m.value === "string") return m.value;
    return null;
  }

  function assetName(a) {
    const md = a.metadata || [];
    const name = metaValue(md, "name") || metaValue(md, "product") || metaValue(md, "description");
    if (name) return name;
    const lot = metaValue(md, "lot");
    return lot ? "Lot " + lot : "Asset " + short(a.asset);
  }

  function quantityText(x) {
    if (!x) return "";
    const amount = x.amount !== undefined && x.amount !== null ? x.amount : x.quantity;
    return (amount === undefined ? "" : String(amount)) + (x.unit ? " " + x.unit : "");
  }

  // A party as "Name (role)" with a link to its account, and its endorsement label.
  function partyView(address, party, withLabel) {
    const named = party && party.name;
    const span = el("span", {class: "party"},
                    accountLink(address, named ? party.name : null),
                    named && party.role ? el("span", {class: "role"}, " (" + party.role + ")") : null);
    if (withLabel && party && party.label) {
      span.appendChild(el("span", {class: party.endorsed_by && party.endorsed_by.length
                                            ? "endorsement endorsed" : "endorsement"},
                          " · " + party.label));
    }
    return span;
  }

  function metadataList(metadata) {
    const dl = el("dl", {class: "metadata"});
    for (const m of metadata || []) {
      dl.appendChild(el("dt", {}, m.key));
      dl.appendChild(el("dd", {}, typeof m.value === "string" ? m.value
                                  : el("span", {class: "hash", title: "committed (private) value"},
                                       "committed " + short(m.commitment || ""))));
    }
    return dl;
  }

  function facts(rows) {
    const dl = el("dl", {class: "facts"});
    for (const [k, v] of rows) {
      if (v === null || v === undefined || v === "") continue;
      dl.appendChild(el("dt", {}, k));
      dl.appendChild(el("dd", {}, v));
    }
    return dl;
  }

  function section(title, id, ...children) {
    return el("section", {id, "aria-labelledby": id + "-title"}, el("h2", {id: id + "-title"}, title),
              ...children);
  }

  function showMessage(kind, title, detail) {
    clear(main);
    main.appendChild(el("div", {class: "message " + kind, role: kind === "not-found" ? "alert" : "status"},
                        el("h1", {}, title), detail ? el("p", {}, detail) : null,
                        el("p", {}, el("a", {href: "/"}, "Back to search"))));
  }

  function setTitle(text) { document.title = text + " · Waybill explorer"; }

  // ---- API --------------------------------------------------------------------------------

  // Returns {ok, status, body}; body is parsed JSON (or null). Network errors are status 0.
  async function api(path) {
    try {
      const res = await fetch(path, {headers: {Accept: "application/json"}});
      let body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      return {ok: res.ok, status: res.status, body};
    } catch (e) {
      return {ok: false, status: 0, body: null};
    }
  }

  function apiFailure(what, r) {
    if (r.status === 404) return showMessage("not-found", "Not found", "No " + what + " with this id on this chain.");
    const detail = r.body && (r.body.detail || r.body.title);
    showMessage("error", "Could not load the " + what,
                (r.status ? "The node answered " + r.status : "The node could not be reached") +
                (detail ? ": " + detail : "."));
  }

  // ---- search -----------------------------------------------------------------------------

  function searchUrl(terms) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(terms)) q.append("meta." + k, v);
    return q.toString();
  }

  // GTIN + lot from "GTIN LOT", "GTIN/LOT", "GTIN,LOT" or a Digital Link URI (/01/G/10/L[/21/S]).
  function parseGtinLot(q) {
    const dl = q.match(/\/01\/([0-9]{8,14})\/10\/([^/?#]+)(?:\/21\/([^/?#]+))?/);
    if (dl) {
      const t = {gtin: dl[1], lot: decodeURIComponent(dl[2])};
      if (dl[3]) t.serial = decodeURIComponent(dl[3]);
      return t;
    }
    const m = q.match(/^([0-9]{8,14})[\s,/]+(\S.*)$/);
    return m ? {gtin: m[1], lot: m[2].trim()} : null;
  }

  async function searchMeta(terms) {
    const r = await api("/v1/search?" + searchUrl(terms) + "&limit=2");
    if (!r.ok || !r.body || !r.body.results || r.body.results.length === 0) return null;
    if (r.body.results.length === 1) return "/asset/" + r.body.results[0].asset;
    return "/search?" + searchUrl(terms);
  }

  // Decides what the query is by its format and tries each kind in order; null = nothing found.
  async function resolveQuery(q) {
    const gl = parseGtinLot(q);
    if (gl) return searchMeta(gl);
    if (HEX64.test(q)) {
      const id = q.toLowerCase();
      if ((await api("/v1/assets/" + id)).ok) return "/asset/" + id;
      if ((await api("/v1/txs/" + id)).ok) return "/tx/" + id;
      if ((await api("/v1/blocks/" + id)).ok) return "/block/" + id;
      return null;
    }
    if (HEIGHT.test(q)) {
      if ((await api("/v1/blocks/" + q)).ok) return "/block/" + q;
      if (q.length >= 8) return searchMeta({gtin: q});
      return null;
    }
    if (ADDRESS.test(q.toLowerCase())) {
      const a = q.toLowerCase();
      return (await api("/v1/accounts/" + a)).ok ? "/account/" + a : null;
    }
    return searchMeta({lot: q});
  }

  async function runSearch(q) {
    q = q.trim();
    if (!q) return;
    const status = document.getElementById("search-status");
    if (status) status.textContent = "Searching…";
    const target = await resolveQuery(q);
    if (target) {
      location.assign(target);
      return;
    }
    showMessage("not-found", "Not found",
                "Nothing on this chain matches “" + q + "”: no asset, GTIN and lot, address, " +
                "transaction, block hash or height.");
  }

  function renderHome() {
    setTitle("Search");
    clear(main);
    main.appendChild(el("div", {class: "home"},
      el("h1", {}, "Trace an item to its origin"),
      el("p", {}, "Type an asset id, a GTIN and lot (for example “09506000134352 LOT42”), an address, a " +
                  "transaction id, a block hash or a block height in the search box above, or scan " +
                  "the QR code on a product."),
      el("p", {id: "search-status", role: "status"})));
    const q = new URLSearchParams(location.search).get("q");
    if (q) {
      document.getElementById("search-input").value = q;
      runSearch(q);
    }
  }

  async function renderSearch() {
    const params = new URLSearchParams(location.search);
    const terms = {};
    for (const [k, v] of params) if (k.startsWith("meta.")) terms[k.slice(5)] = v;
    if (Object.keys(terms).length === 0) return renderHome();
    setTitle("Search results");
    const after = params.get("after");
    const r = await api("/v1/search?" + searchUrl(terms) + "&limit=100" +
                        (after ? "&after=" + encodeURIComponent(after) : ""));
    if (!r.ok) return apiFailure("search results", r);
    clear(main);
    const label = Object.entries(terms).map(([k, v]) => k + " = " + v).join(", ");
    main.appendChild(el("h1", {}, "Items with " + label));
    if (r.body.results.length === 0) {
      main.appendChild(el("p", {class: "message not-found", role: "alert"}, "Not found: no item matches."));
      return;
    }
    main.appendChild(assetTable(r.body.results));
    if (r.body.next_cursor) {
      const next = new URLSearchParams(params);
      next.set("after", r.body.next_cursor);
      main.appendChild(el("p", {}, el("a", {href: "/search?" + next.toString()}, "More results")));
    }
  }

  function assetTable(assets) {
    const tbody = el("tbody", {});
    for (const a of assets) {
      tbody.appendChild(el("tr", {}, el("td", {}, assetLink(a.asset, assetName(a))),
                           el("td", {}, quantityText(a)), el("td", {}, a.status || ""),
                           el("td", {}, metaValue(a.metadata, "gtin") || ""),
                           el("td", {}, metaValue(a.metadata, "lot") || "")));
    }
    return el("div", {class: "table-wrap"},
              el("table", {}, el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "Item"),
                                                  el("th", {scope: "col"}, "Quantity"),
                                                  el("th", {scope: "col"}, "Status"),
                                                  el("th", {scope: "col"}, "GTIN"),
                                                  el("th", {scope: "col"}, "Lot"))),
                 tbody));
  }

  // ---- asset page -------------------------------------------------------------------------

  async function fetchHistory(id) {
    const events = [];
    let cursor = null;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const r = await api("/v1/assets/" + id + "/history?limit=1000" +
                          (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      if (!r.ok || !r.body) return {events, error: r};
      events.push(...r.body.events);
      cursor = r.body.next_cursor;
      if (!cursor) return {events, error: null};
    }
    return {events, error: null, more: true};
  }

  async function renderAsset(id) {
    if (!HEX64.test(id)) return showMessage("not-found", "Not found", "An asset id is 64 hex digits.");
    id = id.toLowerCase();
    const [r, hist, back, fwd] = await Promise.all([
      api("/v1/assets/" + id), fetchHistory(id),
      api("/v1/assets/" + id + "/trace?direction=back"),
      api("/v1/assets/" + id + "/trace?direction=forward")]);
    if (!r.ok || !r.body) return apiFailure("asset", r);
    const {asset, origins, attestations, links} = r.body;
    setTitle(assetName(asset));
    clear(main);
    main.appendChild(assetHeader(asset));
    main.appendChild(consumerSummary(asset, origins || [], attestations || []));
    main.appendChild(timelineSection(hist));
    main.appendChild(lineageSection(id, back.ok ? back.body : null, fwd.ok ? fwd.body : null));
    main.appendChild(qrSection(id, links || {}));
    main.appendChild(verifySection(id, links || {}));
    startLive(id);
  }

  function assetHeader(a) {
    const header = el("section", {class: "asset-header", "aria-labelledby": "asset-title"},
      el("div", {class: "title-row"},
         el("h1", {id: "asset-title"}, assetName(a)),
         el("span", {id: "live", class: "live-indicator connecting", role: "status"}, "connecting")),
      el("p", {class: "lead"}, el("span", {class: "quantity"}, quantityText(a)), " · ",
         el("span", {class: "status status-" + a.status}, a.status)),
      facts([["Custodian", partyView(a.custodian, a.custodian_party, true)],
             ["Issuer", partyView(a.issuer, a.issuer_party, true)],
             ["Created", el("span", {}, "block ", blockLink(a.created_height), " · ", txLink(a.created_tx))],
             ["Confirmations", a.confirmations !== undefined ? String(a.confirmations) : null],
             ["Asset id", el("code", {class: "hash-full"}, a.asset)]]),
      (a.metadata || []).length ? metadataList(a.metadata) : null);
    if ((a.documents || []).length) {
      header.appendChild(el("p", {}, "Documents: ",
                            a.documents.map((d) => el("code", {class: "hash-full doc"}, d))));
    }
    return header;
  }

  function consumerSummary(asset, origins, attestations) {
    const originList = el("ul", {class: "origins"});
    for (const o of origins) {
      const where = metaValue(o.metadata, "origin");
      const harvest = metaValue(o.metadata, "harvest_date") || metaValue(o.metadata, "harvest");
      originList.appendChild(el("li", {class: "origin", "data-asset": o.asset},
        assetLink(o.asset, assetName(o)), " — ", quantityText(o), " from ",
        partyView(o.issuer, o.issuer_party, true),
        where ? el("span", {}, ", " + where) : null,
        harvest ? el("span", {}, ", harvested " + harvest) : null,
        o.depth ? el("span", {class: "hop"}, " (" + hopText(o.depth) + ")") : null));
    }
    if (origins.length === 0) originList.appendChild(el("li", {}, "This item is itself an origin lot."));
    const certList = el("ul", {class: "certificates"});
    for (const c of attestations) {
      certList.appendChild(el("li", {class: "certificate", "data-hop": c.hop},
        el("strong", {}, c.claim), c.value ? ": " + c.value : "", " — by ",
        partyView(c.actor, c.actor_party, true),
        c.attester_certified ? el("span", {class: "badge"}, "certified attester") : null,
        el("span", {class: "hop"}, " · " + hopText(c.hop)),
        c.hop ? el("span", {}, " on ", assetLink(c.on_asset)) : null,
        c.document ? el("div", {class: "doc"}, "document ", el("code", {class: "hash-full"}, c.document)) : null));
    }
    if (attestations.length === 0) certList.appendChild(el("li", {}, "No certificates or checks recorded."));
    return section("Where it comes from", "summary",
                   el("h3", {}, "Origins"), originList,
                   el("h3", {}, "Certificates and checks along the way"), certList);
  }

  function hopText(hop) {
    if (!hop) return "on this item";
    return hop === 1 ? "1 step back" : hop + " steps back";
  }

  // ---- timeline ---------------------------------------------------------------------------

  function relatedLinks(e) {
    return (e.related || []).map((id, i) => [i ? ", " : "", assetLink(id)]);
  }

  function eventSentence(e) {
    const actor = partyView(e.actor, e.actor_party, false);
    const cp = e.counterparty ? partyView(e.counterparty, e.counterparty_party, false) : null;
    switch (e.type) {
      case "issue": return ["Issued by ", actor];
      case "transfer": return ["Custody passed from ", actor, " to ", cp];
      case "split": return ["Split by ", actor, " into ", relatedLinks(e)];
      case "split_child": return ["Split from ", relatedLinks(e), " by ", actor];
      case "merge": return ["Merged by ", actor, " into ", relatedLinks(e)];
      case "merge_output": return ["Made by ", actor, " by merging ", relatedLinks(e)];
      case "transform": return ["Transformed by ", actor, " into ", relatedLinks(e)];
      case "transform_output": return ["Made by ", actor, " by transforming ", relatedLinks(e)];
      case "attest": return [el("strong", {}, e.claim || "attestation"), e.value ? ": " + e.value : "",
                             " — attested by ", actor,
                             e.attester_certified ? el("span", {class: "badge"}, "certified attester") : null];
      case "correct": return ["Metadata corrected by ", actor, e.reason ? ": " + e.reason : ""];
      default: return [e.type + " by ", actor];
    }
  }

  const KIND_LABEL = {issue: "Issue", transfer: "Custody", split: "Split", split_child: "Split",
                      merge: "Merge", merge_output: "Merge", transform: "Transform",
                      transform_output: "Transform", attest: "Attestation", correct: "Correction"};

  function timelineEntry(e) {
    const li = el("li", {class: "event kind-" + e.type, "data-kind": e.type, "data-event": e.event,
                         "data-txid": e.txid},
      el("div", {class: "event-head"}, el("span", {class: "kind"}, KIND_LABEL[e.type] || e.type),
         el("time", {datetime: new Date(e.time * 1000).toISOString()}, formatTime(e.time))),
      el("p", {class: "event-text"}, eventSentence(e)),
      el("p", {class: "event-meta"}, "block ", blockLink(e.height), " · tx ", txLink(e.txid)));
    if (e.document) {
      li.appendChild(el("p", {class: "doc"}, "document sha256 ", el("code", {class: "hash-full"}, e.document)));
    }
    return li;
  }

  function timelineSection(hist) {
    const ol = el("ol", {id: "timeline", class: "timeline"});
    for (const e of hist.events) ol.appendChild(timelineEntry(e));
    const sec = section("Timeline", "timeline-section", ol);
    if (hist.error) sec.appendChild(el("p", {class: "message error"}, "Part of the history could not be loaded."));
    if (hist.more) sec.appendChild(el("p", {}, "Only the first events are shown."));
    return sec;
  }

  // ---- lineage graph ----------------------------------------------------------------------

  // Merges the back and forward traces: layer = -depth going back, +depth going forward. A
  // trace names assets in its edges by their position in its nodes, and parties by their
  // position in its parties (docs/API.md "The trace"); the model names both by id.
  function lineageModel(rootId, back, fwd) {
    const nodes = new Map();
    const edges = new Map();
    for (const [trace, sign] of [[back, -1], [fwd, 1]]) {
      if (!trace) continue;
      const list = trace.nodes || [];
      const parties = trace.parties || [];
      for (const n of list) {
        if (nodes.has(n.asset)) continue;
        const party = parties[n.custodian] || {};
        nodes.set(n.asset, Object.assign({}, n, {layer: sign * n.depth, custodian: party.address,
                                                 custodian_party: party}));
      }
      for (const e of trace.edges || []) {
        const from = list[e.from], to = list[e.to];
        if (!from || !to) continue;
        edges.set(from.asset + ">" + to.asset,
                  Object.assign({}, e, {from: from.asset, to: to.asset, height: to.created_height}));
      }
    }
    const list = [...edges.values()].filter((e) => nodes.has(e.from) && nodes.has(e.to));
    return {nodes, edges: list, truncated: Boolean((back && back.truncated) || (fwd && fwd.truncated))};
  }

  // Orders each layer by the mean row of its neighbours in the previous layer (one sweep).
  function layout(model) {
    const layers = new Map();
    for (const n of model.nodes.values()) {
      if (!layers.has(n.layer)) layers.set(n.layer, []);
      layers.get(n.layer).push(n);
    }
    const keys = [...layers.keys()].sort((a, b) => a - b);
    const row = new Map();
    const neighbours = new Map();
    for (const e of model.edges) {
      for (const [a, b] of [[e.from, e.to], [e.to, e.from]]) {
        if (!neighbours.has(a)) neighbours.set(a, []);
        neighbours.get(a).push(b);
      }
    }
    for (const k of keys) {
      const layer = layers.get(k);
      const score = (n) => {
        const rows = (neighbours.get(n.asset) || []).filter((x) => row.has(x)).map((x) => row.get(x));
        return rows.length ? rows.reduce((s, x) => s + x, 0) / rows.length : Infinity;
      };
      layer.sort((a, b) => score(a) - score(b) || (a.asset < b.asset ? -1 : 1));
      layer.forEach((n, i) => row.set(n.asset, i));
    }
    return {keys, layers};
  }

  const NODE_W = 180, NODE_H = 58, COL_GAP = 110, ROW_GAP = 24, PAD = 12;

  function lineageSvg(rootId, model) {
    const {keys, layers} = layout(model);
    const maxRows = Math.max(1, ...[...layers.values()].map((l) => l.length));
    const height = PAD * 2 + maxRows * NODE_H + (maxRows - 1) * ROW_GAP;
    const width = PAD * 2 + keys.length * NODE_W + (keys.length - 1) * COL_GAP;
    const pos = new Map();
    keys.forEach((k, col) => {
      const layer = layers.get(k);
      const offset = (height - (layer.length * NODE_H + (layer.length - 1) * ROW_GAP)) / 2;
      layer.forEach((n, i) => pos.set(n.asset, {x: PAD + col * (NODE_W + COL_GAP),
                                                y: offset + i * (NODE_H + ROW_GAP)}));
    });
    const root = svg("svg", {id: "lineage", class: "lineage", viewBox: `0 0 ${width} ${height}`,
                             width, height, role: "group",
                             "aria-label": `Lineage: ${model.nodes.size} lots, ${model.edges.length} links`});
    root.appendChild(svg("defs", {}, svg("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
                                                    markerWidth: 7, markerHeight: 7, orient: "auto"},
                                         svg("path", {d: "M0,0 L10,5 L0,10 z", class: "arrow"}))));
    for (const e of model.edges) root.appendChild(edgeView(e, pos.get(e.from), pos.get(e.to)));
    for (const n of model.nodes.values()) root.appendChild(nodeView(n, pos.get(n.asset), n.asset === rootId));
    return root;
  }

  function edgeView(e, a, b) {
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
    const mx = (x1 + x2) / 2;
    const label = quantityText(e);
    return svg("g", {class: "lineage-edge edge-" + e.kind, "data-from": e.from, "data-to": e.to},
      svg("title", {}, `${e.kind}: ${label} (block ${e.height})`),
      svg("path", {d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, class: "edge-line",
                   "marker-end": "url(#arrow)"}),
      svg("text", {x: mx, y: (y1 + y2) / 2 - 4, class: "edge-label", "text-anchor": "middle"}, label));
  }

  function nodeView(n, p, isRoot) {
    const party = n.custodian_party && n.custodian_party.name;
    const name = assetName(n);
    return svg("a", {href: "/asset/" + n.asset, class: "lineage-node" + (isRoot ? " root" : ""),
                     "data-asset": n.asset, "aria-label": name + ", " + quantityText(n)},
      svg("title", {}, `${name} — ${quantityText(n)} — ${n.status}`),
      svg("rect", {x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 6, class: "node-box status-" + n.status}),
      svg("text", {x: p.x + 8, y: p.y + 18, class: "node-title"}, clip(name, 22)),
      svg("text", {x: p.x + 8, y: p.y + 34, class: "node-qty"}, clip(quantityText(n) + " · " + n.status, 26)),
      svg("text", {x: p.x + 8, y: p.y + 50, class: "node-party"}, clip(party || short(n.custodian), 26)));
  }

  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }

  function lineageSection(id, back, fwd) {
    const model = lineageModel(id, back, fwd);
    const sec = section("Lineage", "lineage-section",
                        el("p", {class: "hint"}, "Origins on the left, what it became on the right. " +
                                                 "Select a lot to open it."));
    if (model.nodes.size === 0) {
      sec.appendChild(el("p", {class: "message error"}, "The lineage could not be loaded."));
      return sec;
    }
    sec.appendChild(el("div", {class: "lineage-wrap"}, lineageSvg(id, model)));
    if (model.truncated) sec.appendChild(el("p", {}, "The lineage is larger than shown (truncated)."));
    return sec;
  }

  // ---- QR, proof, live --------------------------------------------------------------------

  function qrSection(id, links) {
    const uri = links.digital_link || (location.origin + "/asset/" + id);
    return section("Scan or share", "qr-section",
      el("figure", {class: "qr"},
         el("img", {src: "/v1/assets/" + id + "/qr.svg", width: 200, height: 200, id: "qr",
                    alt: "QR code linking to this item: " + uri}),
         el("figcaption", {}, el("a", {id: "digital-link", href: uri, class: "uri"}, uri))));
  }

  function verifySection(id, links) {
    const proof = links.proof || "/v1/assets/" + id + "/proof";
    return section("Verify this yourself", "verify-section",
      el("p", {}, el("a", {id: "proof-link", href: proof, download: id + ".wbproof"},
                     "Download the proof bundle"),
         " — every event of this item and its lineage with its signed transaction, Merkle path and " +
         "the proof-of-work headers."),
      el("p", {}, "Check it without trusting this site: ",
         el("code", {}, "waybill proof verify " + id + ".wbproof")));
  }

  function setLive(state, text) {
    const ind = document.getElementById("live");
    if (!ind) return;
    ind.className = "live-indicator " + state;
    ind.textContent = text;
  }

  // Adds an event to the timeline unless it is there (an event seen again after a reorg
  // loses its retracted mark).
  function showEvent(e) {
    const ol = document.getElementById("timeline");
    if (!ol) return;
    const existing = ol.querySelector(`li[data-event="${CSS.escape(e.event)}"]`);
    if (existing) {
      existing.classList.remove("retracted");
      const note = existing.querySelector(".retract-note");
      if (note) note.remove();
      return;
    }
    ol.appendChild(timelineEntry(e)).classList.add("new");
  }

  // The stream does not replay: after a reconnect, what was missed comes from the history.
  async function catchUp(id) {
    const hist = await fetchHistory(id);
    for (const e of hist.events) showEvent(e);
  }

  function parseData(msg) {
    try { return JSON.parse(msg.data); } catch (e) { return null; }
  }

  function startLive(id) {
    if (typeof EventSource !== "function") return setLive("offline", "no live updates");
    let source = null;
    const open = () => {
      source = new EventSource("/v1/events/stream?asset=" + id);
      source.onerror = () => {
        const closed = source.readyState === EventSource.CLOSED;
        setLive(closed ? "offline" : "connecting", closed ? "offline" : "reconnecting");
      };
      // Also on the first hello: events may have connected between the page's history read
      // and the stream's start.
      source.addEventListener("hello", () => {
        setLive("live", "live");
        catchUp(id);
      });
      source.addEventListener("event", (msg) => {
        const data = parseData(msg);
        if (!data || !data.event || data.event.asset !== id) return;
        // The stream's event has no party names; the history's copy has them. The stream's
        // own copy stands in when the history cannot be read.
        catchUp(id).then(() => showEvent(data.event), () => showEvent(data.event));
      });
      // The node cannot replay what this page missed (its window passed, or it restarted):
      // read the history again.
      source.addEventListener("reset", () => catchUp(id));
      source.addEventListener("retract", (msg) => {
        const data = parseData(msg);
        const txids = new Set((data && data.txids) || []);
        for (const li of document.querySelectorAll("#timeline li.event")) {
          if (!txids.has(li.getAttribute("data-txid")) || li.classList.contains("retracted")) continue;
          li.classList.add("retracted");
          li.appendChild(el("p", {class: "retract-note"},
                            "Retracted: its block left the chain (reorganisation)."));
        }
      });
      // The node dropped this stream (the page fell behind): open a new one, then catch up.
      source.addEventListener("overflow", () => {
        source.close();
        setLive("connecting", "reconnecting");
        setTimeout(open, 3000);
      });
    };
    open();
  }

  // ---- tx, block, account pages -----------------------------------------------------------

  function opValue(key, v) {
    if (typeof v === "string" && HEX64.test(v) && /asset|inputs|corrects/.test(key)) return assetLink(v);
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x === "string")) {
        return el("span", {}, v.map((x, i) => [i ? ", " : "", opValue(key, x)]));
      }
      return el("ul", {}, v.map((x) => el("li", {}, opValue(key, x))));
    }
    if (v && typeof v === "object") {
      if (typeof v.key === "string") return v.key + " = " + (v.value !== undefined ? v.value : "committed");
      return facts(Object.entries(v).map(([k, x]) => [k, opValue(k, x)]));
    }
    if (typeof v === "string" && ADDRESS.test(v) && /to|account/.test(key)) return accountLink(v);
    return v === null ? "—" : String(v);
  }

  async function renderTx(id) {
    const r = await api("/v1/txs/" + encodeURIComponent(id));
    if (!r.ok || !r.body) return apiFailure("transaction", r);
    const t = r.body;
    setTitle("Transaction " + short(t.txid));
    clear(main);
    main.appendChild(el("h1", {}, "Transaction"));
    main.appendChild(facts([
      ["Id", el("code", {class: "hash-full"}, t.txid)],
      ["Status", t.status],
      ["Block", t.block ? blockLink(t.block, `${t.height} (${short(t.block)})`) : null],
      ["Position", t.position !== undefined && t.position !== null ? String(t.position) : null],
      ["Confirmations", t.confirmations !== undefined ? String(t.confirmations) : null],
      ["Type", t.type], ["Sender", accountLink(t.sender)], ["Nonce", String(t.nonce)],
      ["Fee", String(t.fee)], ["Size", t.size + " bytes"]]));
    main.appendChild(section("Operation", "op", opValue("op", t.op || {})));
  }

  async function renderBlock(x) {
    const r = await api("/v1/blocks/" + encodeURIComponent(x));
    if (!r.ok || !r.body) return apiFailure("block", r);
    const b = r.body;
    setTitle("Block " + b.height);
    clear(main);
    main.appendChild(el("h1", {}, "Block " + b.height));
    main.appendChild(facts([
      ["Hash", el("code", {class: "hash-full"}, b.hash)], ["Time", formatTime(b.time)],
      ["Confirmations", String(b.confirmations)], ["Miner", accountLink(b.miner)],
      ["Transactions", String(b.ntx)], ["Size", b.size + " bytes"], ["Difficulty", b.difficulty],
      ["Previous", b.previousblockhash ? blockLink(b.previousblockhash, short(b.previousblockhash)) : null],
      ["Next", b.nextblockhash ? blockLink(b.nextblockhash, short(b.nextblockhash)) : null]]));
    const tbody = el("tbody", {});
    for (const t of b.txs || []) {
      tbody.appendChild(el("tr", {}, el("td", {}, txLink(t.txid)), el("td", {}, t.type || ""),
                           el("td", {}, t.sender ? accountLink(t.sender) : "")));
    }
    main.appendChild(section("Transactions", "block-txs", el("div", {class: "table-wrap"},
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "Transaction"),
                                         el("th", {scope: "col"}, "Type"),
                                         el("th", {scope: "col"}, "Sender"))), tbody))));
  }

  async function renderAccount(a) {
    const after = new URLSearchParams(location.search).get("after");
    const r = await api("/v1/accounts/" + encodeURIComponent(a) + "?limit=100" +
                        (after ? "&after=" + encodeURIComponent(after) : ""));
    if (!r.ok || !r.body) return apiFailure("account", r);
    const acc = r.body;
    const party = acc.party || {};
    setTitle(party.name || short(acc.address));
    clear(main);
    main.appendChild(el("h1", {}, party.name || "Account"));
    main.appendChild(facts([
      ["Address", el("code", {class: "hash-full"}, acc.address)], ["Role", party.role],
      ["Endorsement", party.label], ["Balance", String(acc.balance)], ["Nonce", String(acc.nonce)]]));
    const assets = acc.assets || [];
    const sec = section("In its custody", "custody",
                        assets.length ? assetTable(assets) : el("p", {}, "No open assets."));
    if (acc.next_cursor) {
      sec.appendChild(el("p", {}, el("a", {href: "/account/" + a + "?after=" + acc.next_cursor}, "More")));
    }
    main.appendChild(sec);
  }

  // ---- router -----------------------------------------------------------------------------

  async function footerStatus() {
    const r = await api("/v1/status");
    const span = document.getElementById("network-status");
    if (!span) return;
    if (!r.ok || !r.body) { span.textContent = "Node status unavailable"; return; }
    const s = r.body;
    span.textContent = `${s.network} · height ${s.height}` + (s.syncing ? " · syncing" : "") +
                       ` · ${s.version || ""}`;
  }

  function route() {
    const parts = location.pathname.split("/").filter(Boolean).map((p) => {
      try { return decodeURIComponent(p); } catch (e) { return p; }
    });
    const [page, arg] = parts;
    if (parts.length === 0) return renderHome();
    if (page === "search" && parts.length === 1) return renderSearch();
    if (parts.length === 2) {
      if (page === "asset") return renderAsset(arg);
      if (page === "tx") return renderTx(arg);
      if (page === "block") return renderBlock(arg);
      if (page === "account") return renderAccount(arg);
    }
    return showMessage("not-found", "Not found", "This page does not exist.");
  }

  document.getElementById("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runSearch(document.getElementById("search-input").value);
  });
  route();
  footerStatus();
})();
