// The benchmark driver's report: the Markdown of the figures, the causes of the misses, the raw
// medians and the checksums, headed by the run's details (machine, versions).
import { opt } from "./config.mjs";
import { fmt } from "./figures.mjs";

// ---- report ----

export function report(m, a, check, meta) {
  const ratioText = (f) => {
    if (f.ratioText) return f.ratioText;
    if (f.ratio === null) return f.context ? "—" : f.na;
    if (f.id === "P3") return `${fmt(f.ratio)}/s`;
    if (f.id === "P5") return `${fmt(f.ratio)} GB/s`;
    return `${f.ratio.toFixed(f.ratio >= 10 ? 1 : 2)}×`;
  };
  const met = (f) => (f.context ? "" : f.met === null ? "n/a" : f.met ? "yes" : "NO");
  const esc = (s) => String(s ?? "n/a").replaceAll("|", "\\|");
  const md = [];
  md.push(`# Kiln benchmarks (${opt.smoke ? "smoke: tiny sizes, not figures to quote" : "full"})`);
  md.push("");
  md.push(`${meta.date} · ${meta.cpu} · ${meta.cores} cores · load ${meta.load} at start${meta.loadEnd ? `, ${meta.loadEnd} at end` : ""} · kiln ${meta.kiln} · node ${meta.node}${meta.deno ? ` · deno ${meta.deno}` : ""}`);
  md.push("");
  md.push("## Figures");
  md.push("");
  md.push("Values are median (min–max) of the repeats; the ratio is of the medians.");
  md.push("");
  md.push("| Fig | Measure | Kiln | Peer | Ratio | Target | Met |");
  md.push("|---|---|---|---|---|---|---|");
  for (const f of a.figures) {
    md.push(`| ${f.id} | ${esc(f.what)} | ${esc(f.kiln ?? (f.context ? f.na : "n/a"))} | ${esc(f.peer ?? "n/a")} | ${esc(ratioText(f))} | ${f.target} | ${met(f)} |`);
  }
  md.push("");
  // Why a figure misses its target, where the driver knows (e.g. P9: "Kiln's start-up is issue 15's work").
  const causes = a.figures.filter((f) => f.cause && f.met === false);
  if (causes.length) {
    md.push("Causes of the misses:");
    md.push("");
    for (const f of causes) md.push(`- ${f.id}, ${f.short ?? esc(f.what)}: ${f.causeValue ?? f.kiln} against ${f.target}. ${f.cause}.`);
    md.push("");
  }
  md.push(`Checksums: ${check.ok ? "all agree" : "DISAGREE"} (${check.lines.length} checks)`);
  md.push("");
  md.push("## Raw measurements");
  md.push("");
  md.push("| Measurement | Median | Min–max | Spread | n | Notes |");
  md.push("|---|---|---|---|---|---|");
  for (const r of a.raw) {
    const s = r.stats;
    md.push(s
      ? `| ${esc(r.label)} | ${fmt(s.median)} ${r.unit} | ${fmt(s.min)}–${fmt(s.max)} | ±${s.spreadPct.toFixed(1)}% | ${s.n} | ${esc(r.note)} |`
      : `| ${esc(r.label)} | n/a | | | 0 | ${esc(r.note)} |`);
  }
  md.push("");
  md.push("## Checksums");
  md.push("");
  for (const l of check.lines) md.push(`- ${l}`);
  md.push("");
  return md.join("\n");
}
