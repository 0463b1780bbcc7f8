// Temporal and the Intl classes it builds on, which the QuickJS shim makes on first use
// (patches/README.md): tests/temporal.rs runs this after a first touch of each part in turn, and
// compares each line with Deno 2.9 running the same.
const describe = (o: object, k: PropertyKey) => {
  const d = Object.getOwnPropertyDescriptor(o, k);
  return d && [typeof d.value, d.writable, d.enumerable, d.configurable, "get" in d];
};
console.log("Temporal", JSON.stringify(describe(globalThis, "Temporal")));
console.log("toTemporalInstant", JSON.stringify(describe(Date.prototype, "toTemporalInstant")));
console.log("DateTimeFormat", JSON.stringify(describe(Intl, "DateTimeFormat")));
console.log("DurationFormat", JSON.stringify(describe(Intl, "DurationFormat")));
console.log("tag", Object.prototype.toString.call(Temporal), Object.prototype.toString.call(Intl));
const instant = new Date(86_400_000).toTemporalInstant();
console.log("instant", instant instanceof Temporal.Instant, instant.toString(), instant.epochMilliseconds);
console.log("date", Temporal.PlainDate.from("2024-02-28").add({ days: 1 }).toString());
console.log("duration", Temporal.Duration.from({ hours: 1, minutes: 30 }).total("minutes"));
console.log("zoned", Temporal.Instant.from("2024-03-10T10:00:00Z").toZonedDateTimeISO("America/New_York").toString());
console.log("stable", Intl.DateTimeFormat === Intl.DateTimeFormat, Temporal === globalThis.Temporal);
const format = new Intl.DateTimeFormat("en-US", { timeZone: "UTC" });
// TypeScript's libs do not yet type format() of a Temporal value, which engines accept.
const plainDate = Temporal.PlainDate.from("2024-01-02") as unknown as Date;
console.log("formats", format instanceof Intl.DateTimeFormat, typeof format.format(plainDate));
try {
  Temporal.Instant.from("not an instant");
} catch (e) {
  console.log("bad", (e as Error).name);
}
