// Read an .ics on stdin with Mozilla's ical.js and print every occurrence in a window as JSON:
// [{uid, summary, local, utc, recurrenceId}] — the test compares it with the plan.
// Usage: node expand.mjs FROM_ISO_UTC TO_ISO_UTC < feed.ics
import ICAL from "ical.js";

const [from, to] = process.argv.slice(2).map((s) => ICAL.Time.fromJSDate(new Date(s), true));
let text = "";
for await (const chunk of process.stdin) text += chunk;
const root = new ICAL.Component(ICAL.parse(text));
// Zones come from the feed's own VTIMEZONE, not from a built-in database.
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
}
const vevents = root.getAllSubcomponents("vevent");
const uidOf = (c) => c.getFirstPropertyValue("uid");
// Overrides are handed to their own series only (by UID), as a calendar client groups them.
const masters = vevents
  .filter((c) => !c.hasProperty("recurrence-id"))
  .map((c) => new ICAL.Event(c, {
    strictExceptions: true,
    exceptions: vevents.filter((o) => o.hasProperty("recurrence-id") && uidOf(o) === uidOf(c)),
  }));
const out = [];
for (const event of masters) {
  const it = event.iterator();
  for (let next = it.next(); next && next.compare(to) < 0; next = it.next()) {
    const details = event.getOccurrenceDetails(next);
    const start = details.startDate;
    if (start.toUnixTime() < from.toUnixTime()) continue;
    out.push({
      uid: event.uid,
      summary: details.item.summary,
      description: details.item.description,
      local: start.toString(),
      utc: start.toJSDate().toISOString(),
      duration_s: event.duration.toSeconds(),
    });
  }
}
process.stdout.write(JSON.stringify(out));
