// costcurve page: plain JavaScript over the answers API (POST /v1/curves, /v1/frontier).
// Charts are drawn here as inline SVG from the JSON answer; the same data is linked as JSON, CSV,
// and as server-rendered SVG/PNG charts.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39", "#7b4173"];
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);

function fmt(v, digits = 3) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toPrecision(digits) + "M";
  if (a >= 1e4) return Math.round(v).toLocaleString("en-US");
  return Number(v.toPrecision(digits)).toString();
}

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function html(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, e);
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

// series: [{name, colour, points: [{x, y, lo, hi, data: {...}}]}]; x: {type: "category", labels} or {type: "log"}
function lineChart(container, {series, x, xTitle, yTitle, caption, title, kind}) {
  container.textContent = "";
  const W = 1000, H = 560, L = 80, R = 250, T = 40, B = x.type === "category" ? 150 : 70;
  const pw = W - L - R, ph = H - T - B;
  const svg = el("svg", {viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "data-kind": kind,
    "aria-label": title});
  svg.appendChild(el("title", {}, title));
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y])).filter((v) => v > 0 && isFinite(v));
  if (!ys.length) { container.textContent = "No points to draw."; return; }
  const yMin = Math.pow(10, Math.floor(Math.log10(Math.min(...ys)) * 2) / 2);
  const yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(...ys)) * 2) / 2);
  const yPos = (v) => T + ph - (Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)) * ph;
  let xPos;
  if (x.type === "category") {
    const n = x.labels.length;
    xPos = (i) => L + (n === 1 ? pw / 2 : (i + 0.5) * pw / n);
  } else {
    const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter((v) => v > 0);
    const xMin = Math.pow(10, Math.floor(Math.log10(Math.min(...xs)) * 4) / 4);
    const xMax = Math.pow(10, Math.ceil(Math.log10(Math.max(...xs)) * 4) / 4);
    x.min = xMin; x.max = xMax;
    xPos = (v) => L + (Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1) * pw;
  }
  const axes = el("g", {class: "axes"});
  axes.appendChild(el("rect", {x: L, y: T, width: pw, height: ph, class: "plot-area"}));
  for (const v of logTicks(yMin, yMax)) {
    axes.appendChild(el("line", {x1: L, x2: L + pw, y1: yPos(v), y2: yPos(v), class: "grid"}));
    axes.appendChild(el("text", {x: L - 6, y: yPos(v) + 4, "text-anchor": "end", class: "tick"}, fmt(v, 2)));
  }
  if (x.type === "category") {
    x.labels.forEach((label, i) => {
      const t = el("text", {x: xPos(i), y: T + ph + 14, "text-anchor": "end", class: "tick",
        transform: `rotate(-30 ${xPos(i)} ${T + ph + 14})`}, label);
      axes.appendChild(t);
    });
  } else {
    for (const v of logTicks(x.min, x.max)) {
      axes.appendChild(el("line", {y1: T, y2: T + ph, x1: xPos(v), x2: xPos(v), class: "grid"}));
      axes.appendChild(el("text", {x: xPos(v), y: T + ph + 16, "text-anchor": "middle", class: "tick"}, fmt(v, 2)));
    }
  }
  axes.appendChild(el("text", {x: L + pw / 2, y: H - 8, "text-anchor": "middle", class: "axis-title"}, xTitle));
  axes.appendChild(el("text", {x: 16, y: T + ph / 2, "text-anchor": "middle", class: "axis-title",
    transform: `rotate(-90 16 ${T + ph / 2})`}, yTitle));
  axes.appendChild(el("text", {x: L, y: 22, class: "chart-title"}, title));
  svg.appendChild(axes);

  const marks = el("g", {class: "marks"});
  const legend = el("g", {class: "legend"});
  legend.appendChild(el("text", {x: L + pw + 16, y: T + 4, class: "legend-title"}, "Platform"));
  series.forEach((s, k) => {
    const pts = s.points.filter((p) => p.y > 0 && isFinite(p.y));
    if (!pts.length) return;
    const g = el("g", {class: "series", "data-platform": s.name});
    const band = pts.filter((p) => p.lo > 0 && p.hi > 0);
    if (band.length > 1) {
      const top = band.map((p) => `${xPos(p.x)},${yPos(p.hi)}`);
      const bottom = band.slice().reverse().map((p) => `${xPos(p.x)},${yPos(p.lo)}`);
      g.appendChild(el("polygon", {points: top.concat(bottom).join(" "), fill: s.colour, class: "band"}));
    }
    g.appendChild(el("polyline", {points: pts.map((p) => `${xPos(p.x)},${yPos(p.y)}`).join(" "),
      stroke: s.colour, class: "line"}));
    for (const p of pts) {
      const c = el("circle", {cx: xPos(p.x), cy: yPos(p.y), r: 4, fill: s.colour, class: "mark"});
      for (const [k2, v] of Object.entries(p.data || {})) c.setAttribute("data-" + k2, v);
      c.appendChild(el("title", {}, p.tip || ""));
      g.appendChild(c);
    }
    marks.appendChild(g);
    const ly = T + 22 + k * 18;
    legend.appendChild(el("rect", {x: L + pw + 16, y: ly - 9, width: 12, height: 12, fill: s.colour}));
    legend.appendChild(el("text", {x: L + pw + 34, y: ly + 1, class: "legend-label"}, s.name));
  });
  svg.appendChild(marks);
  svg.appendChild(legend);
  container.appendChild(svg);
  const cap = html("p", {class: "caption"}, caption);
  container.appendChild(cap);
}

function captionOf(answer, extra = "") {
  const a = answer.assumptions;
  const limits = [];
  if (a.min_tokens_per_s_per_user) limits.push(`≥ ${fmt(a.min_tokens_per_s_per_user)} tokens/s per user`);
  if (a.ttft_ms) limits.push(`TTFT ≤ ${fmt(a.ttft_ms, 4)} ms`);
  return `Workload: ${a.workload_preset || "custom"}, ${a.input_tokens} input / ${a.output_tokens} output tokens. ` +
    `SLO: ${a.slo_preset ? a.slo_preset + " " : ""}${limits.join(", ") || "none"}. ` +
    `Operating point: ${a.operating_point}. Precision: ${a.precision}. Price: ${a.price_basis}. ` +
    `Units: ${a.rack_unit}. ${extra}Bands: p10-p90 of calibration residuals. ` +
    `Engine ${answer.engine_version}, catalog v${answer.catalog_version}.`;
}

// --- request bodies and links ---------------------------------------------------------------------

function selected(id) {
  return Array.from($(id).selectedOptions).map((o) => o.value);
}

function num(id) {
  const v = $(id).value;
  return v === "" ? null : Number(v);
}

function commonBody() {
  const body = {workload: {preset: $("workload").value}};
  if (num("input_tokens")) body.workload.input_tokens = num("input_tokens");
  if (num("output_tokens")) body.workload.output_tokens = num("output_tokens");
  const basis = $("price_basis").value;
  if (basis === "user") body.pricing = {usd_per_accelerator_hour: num("usd_per_accelerator_hour")};
  if (basis === "tco_table") body.pricing = {tco_table: "neocloud"};
  if (basis === "tco") {
    body.pricing = {tco: {purchase_usd_per_accelerator: num("tco_purchase"), amortisation_years: num("tco_years"),
      utilisation: num("tco_utilisation"), pue: num("tco_pue"), usd_per_kwh: num("tco_usd_per_kwh"),
      other_opex_usd_per_accelerator_year: num("tco_opex")}};
  }
  return body;
}

function curvesBody() {
  const body = commonBody();
  const models = selected("models"), platforms = selected("platforms");
  if (models.length) body.models = models;
  if (platforms.length) body.platforms = platforms;
  const slo = {};
  if ($("slo_preset").value) slo.preset = $("slo_preset").value;
  if (num("min_tokens_per_s_per_user")) slo.min_tokens_per_s_per_user = num("min_tokens_per_s_per_user");
  if (num("ttft_ms")) slo.ttft_ms = num("ttft_ms");
  body.slo = slo;
  body.rack_unit = $("rack_unit").value;
  if (num("revenue_price")) body.returns = {usd_per_million_tokens_price: num("revenue_price")};
  return body;
}

function queryOf(body, extra = {}) {
  const q = new URLSearchParams();
  if (body.models) q.set("models", body.models.join(","));
  if (body.platforms) q.set("platforms", body.platforms.join(","));
  if (body.model) q.set("model", body.model);
  q.set("workload", body.workload.preset);
  if (body.workload.input_tokens) q.set("input_tokens", body.workload.input_tokens);
  if (body.workload.output_tokens) q.set("output_tokens", body.workload.output_tokens);
  if (body.slo) {
    if (body.slo.preset) q.set("slo_preset", body.slo.preset);
    if (body.slo.min_tokens_per_s_per_user) q.set("min_tokens_per_s_per_user", body.slo.min_tokens_per_s_per_user);
    if (body.slo.ttft_ms) q.set("ttft_ms", body.slo.ttft_ms);
  }
  if (body.pricing && body.pricing.usd_per_accelerator_hour) q.set("usd_per_accelerator_hour", body.pricing.usd_per_accelerator_hour);
  if (body.rack_unit && body.rack_unit !== "gpu") q.set("rack_unit", body.rack_unit);
  if (body.returns) q.set("revenue_usd_per_million_tokens", body.returns.usd_per_million_tokens_price);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

function links(container, path, body, tco) {
  container.textContent = "Same data: ";
  for (const f of ["json", "csv", "svg", "png"]) {
    const a = html("a", {href: `${path}.${f}?${queryOf(body)}`, class: "data-link", "data-format": f}, f.toUpperCase());
    container.appendChild(a);
    container.appendChild(document.createTextNode(" "));
  }
  if (tco) container.appendChild(document.createTextNode(
    "(links carry every choice except the TCO build-up; POST the JSON body below for that) "));
  const pre = html("details");
  pre.appendChild(html("summary", {}, "POST body"));
  pre.appendChild(html("pre", {}, `POST ${path}\n` + JSON.stringify(body, null, 2)));
  container.appendChild(pre);
}

async function post(path, body) {
  const response = await fetch(path, {method: "POST", headers: {"content-type": "application/json"},
    body: JSON.stringify(body)});
  const data = await response.json();
  if (!response.ok) throw new Error(`${response.status} ${data.title || ""}: ${data.detail || ""}`);
  return data;
}

// --- drawing --------------------------------------------------------------------------------------

function colourMap(names) {
  const m = {};
  names.forEach((n, i) => { m[n] = COLOURS[i % COLOURS.length]; });
  return m;
}

function drawCurves(answer) {
  const colours = colourMap(answer.platforms);
  const index = Object.fromEntries(answer.models.map((m, i) => [m, i]));
  const info = {};
  for (const p of answer.points) info[p.model] = p;
  const labels = answer.models.map((m) => {
    const p = info[m];
    if (!p) return m;
    return `${m} (${fmt(p.params_total_b)}B${p.moe ? " MoE" : ""})`;
  });
  const series = answer.platforms.map((platform) => ({
    name: platform, colour: colours[platform],
    points: answer.points.filter((p) => p.platform === platform).sort((a, b) => index[a.model] - index[b.model])
      .map((p) => ({x: index[p.model], y: p.usd_per_million_output_tokens, lo: p.usd_per_million_output_tokens_p10,
        hi: p.usd_per_million_output_tokens_p90,
        tip: `${p.model} on ${p.platform}: $${fmt(p.usd_per_million_output_tokens)} per M output tokens`,
        data: {model: p.model, platform: p.platform, "usd-per-m": p.usd_per_million_output_tokens}})),
  }));
  lineChart($("curve-chart"), {series, x: {type: "category", labels}, kind: "curves",
    xTitle: "Model (smallest to largest total parameters)", yTitle: "USD per million output tokens (log)",
    title: "USD per million output tokens by model size and platform",
    caption: captionOf(answer, `${answer.unmet.length} pairs cannot meet the SLO (listed below the table). `)});
  $("summary").textContent = answer.summary.statement;
}

function drawTable(answer) {
  const body = $("points").querySelector("tbody");
  body.textContent = "";
  for (const p of answer.points) {
    const tr = html("tr", {"data-model": p.model, "data-platform": p.platform,
      "data-usd-per-m": String(p.usd_per_million_output_tokens)});
    const d = p.deployment;
    const r = p.returns;
    const cells = [
      p.model, `${fmt(p.params_total_b)} / ${fmt(p.params_active_b)}`, p.platform, String(p.rank ?? ""),
      `${d.num_accelerators}× ${d.precision} tp${d.tp} pp${d.pp} ep${d.ep} dp${d.dp}, ${d.concurrency} in flight`,
      `${fmt(p.usd_per_million_output_tokens)} (${fmt(p.usd_per_million_output_tokens_p10)}–${fmt(p.usd_per_million_output_tokens_p90)})`,
      fmt(p.usd_per_million_input_tokens), fmt(p.usd_per_million_tokens_blended), fmt(p.tokens_per_dollar),
      fmt(p.output_tokens_per_s_per_accelerator), fmt(p.interactivity_tokens_per_s_per_user), fmt(p.ttft_ms),
      fmt(p.output_tokens_per_s_per_mw), `${fmt(p.usd_per_unit_hour)} (${p.unit})`,
      `${p.price.basis} ${fmt(p.price.usd_per_accelerator_hour)}/h ${p.price.provider || ""}`,
      r ? `${fmt(r.revenue_over_cost)}× over ${r.years} y` : "",
    ];
    cells.forEach((c, i) => {
      const td = html("td", i === 5 ? {class: "usd-per-m"} : {}, c);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  const ul = $("unmet");
  ul.textContent = "";
  for (const u of answer.unmet) ul.appendChild(html("li", {"data-model": u.model, "data-platform": u.platform},
    `${u.model} on ${u.platform}: ${u.reason}`));
  if (!answer.unmet.length) ul.appendChild(html("li", {}, "None."));
}

function drawFrontier(answer) {
  const colours = colourMap(answer.series.map((s) => s.platform));
  const series = answer.series.map((s) => ({
    name: s.platform, colour: colours[s.platform],
    points: s.points.map((p) => ({x: p.interactivity_tokens_per_s_per_user, y: p.output_tokens_per_s_per_accelerator,
      lo: p.output_tokens_per_s_per_accelerator_p10, hi: p.output_tokens_per_s_per_accelerator_p90,
      tip: `${s.platform}: ${fmt(p.output_tokens_per_s_per_accelerator)} tok/s/acc at ${fmt(p.interactivity_tokens_per_s_per_user)} tok/s/user, $${fmt(p.usd_per_million_output_tokens)}/M`,
      data: {platform: s.platform, "usd-per-m": p.usd_per_million_output_tokens}})),
  }));
  lineChart($("frontier-chart"), {series, x: {type: "log"}, kind: "frontier",
    xTitle: "Interactivity: output tokens/s per user (log)", yTitle: "Output tokens/s per accelerator (log)",
    title: `Pareto frontier of ${answer.model}`, caption: captionOf(answer)});
}

function embedCodes(body) {
  const base = `${location.origin}`;
  $("embed-iframe").textContent = `<iframe src="${base}/ui?${queryOf(body, {embed: 1})}" width="1100" height="1400"></iframe>`;
  $("embed-chart").textContent = `<img src="${base}/v1/curves.svg?${queryOf(body)}" alt="cost curves">`;
}

async function draw() {
  const status = $("status");
  status.textContent = "Computing curves…";
  status.className = "";
  try {
    const body = curvesBody();
    const answer = await post("/v1/curves", body);
    syncSelection(answer);
    drawCurves(answer);
    drawTable(answer);
    links($("curve-links"), "/v1/curves", body, $("price_basis").value === "tco");
    embedCodes(body);
    status.textContent = `Curves: ${answer.points.length} points, ${answer.unmet.length} unmet. Computing frontier…`;
    const model = $("frontier_model").value || pickFrontierModel(answer.models);
    if ($("frontier_model").value !== model) $("frontier_model").value = model;
    const fbody = Object.assign(commonBody(), {model, platforms: answer.platforms});
    const frontier = await post("/v1/frontier", fbody);
    drawFrontier(frontier);
    links($("frontier-links"), "/v1/frontier", fbody, $("price_basis").value === "tco");
    status.textContent = `Done: ${answer.points.length} curve points on ${answer.platforms.length} platforms and ` +
      `${answer.models.length} models; frontier of ${model}.`;
    status.className = "done";
    document.body.setAttribute("data-ready", "true");
  } catch (err) {
    status.textContent = `Error: ${err.message}`;
    status.className = "error";
  }
}

function pickFrontierModel(models) {
  return models.includes("gpt-oss-120b") ? "gpt-oss-120b" : models[Math.floor(models.length / 2)];
}

function syncSelection(answer) {
  // Show the defaults the server chose as the selection, so the next Draw starts from them.
  for (const [id, ids] of [["models", answer.models], ["platforms", answer.platforms]]) {
    const wanted = new Set(ids);
    for (const o of $(id).options) o.selected = wanted.has(o.value);
  }
  const fm = $("frontier_model");
  const current = fm.value;
  fm.textContent = "";
  for (const m of answer.models) fm.appendChild(html("option", {value: m}, m));
  fm.value = answer.models.includes(current) ? current : pickFrontierModel(answer.models);
}

async function loadLists() {
  const [models, platforms, slos] = await Promise.all(["/v1/models?limit=500", "/v1/platforms?limit=500",
    "/v1/slo-presets?limit=500"].map((u) => fetch(u).then((r) => (r.ok ? r.json() : {items: []}))));
  for (const m of models.items) $("models").appendChild(html("option", {value: m.id}, m.id));
  for (const p of platforms.items) $("platforms").appendChild(html("option", {value: p.id}, p.id));
  for (const s of slos.items) $("slo_preset").appendChild(html("option", {value: s.id}, s.id));
}

function applyParams() {
  const pick = (id, list) => {
    const wanted = new Set(list.split(","));
    for (const o of $(id).options) o.selected = wanted.has(o.value);
  };
  if (params.get("models")) pick("models", params.get("models"));
  if (params.get("platforms")) pick("platforms", params.get("platforms"));
  for (const id of ["input_tokens", "output_tokens", "min_tokens_per_s_per_user", "ttft_ms", "revenue_price"]) {
    if (params.get(id)) $(id).value = params.get(id);
  }
  if (params.get("revenue_usd_per_million_tokens")) $("revenue_price").value = params.get("revenue_usd_per_million_tokens");
  if (params.get("workload")) $("workload").value = params.get("workload");
  if (params.get("slo_preset")) $("slo_preset").value = params.get("slo_preset");
  if (params.get("rack_unit")) $("rack_unit").value = params.get("rack_unit");
  if (params.get("usd_per_accelerator_hour")) {
    $("price_basis").value = "user";
    $("usd_per_accelerator_hour").value = params.get("usd_per_accelerator_hour");
  }
  if (params.get("frontier_model")) {
    $("frontier_model").appendChild(html("option", {value: params.get("frontier_model")}, params.get("frontier_model")));
    $("frontier_model").value = params.get("frontier_model");
  }
  if (params.get("embed") === "1") document.body.classList.add("embed");
}

function showBasis() {
  const basis = $("price_basis").value;
  for (const label of document.querySelectorAll("label[data-basis]")) {
    label.hidden = label.getAttribute("data-basis") !== basis;
  }
}

async function main() {
  $("controls").addEventListener("submit", (e) => { e.preventDefault(); draw(); });
  $("price_basis").addEventListener("change", showBasis);
  $("frontier_model").addEventListener("change", () => draw());
  try {
    await loadLists();
  } catch (err) {
    $("status").textContent = `Could not load the catalog: ${err.message}`;
  }
  applyParams();
  showBasis();
  await draw();
}

main();
