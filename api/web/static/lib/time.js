// Times as officials read them: Beijing time (UTC+8, no daylight saving), whatever the
// browser's own zone. The ledger answers in RFC 3339 with +08:00 (or in UTC keys where it
// states its own log: envelopes, checkpoints); both are shown here in Beijing time.

const HOUR = 3600 * 1000;

function pad(n) {
  return String(n).padStart(2, "0");
}

/** "2019-10-08T01:00:00.000000Z" or "...+08:00" → "2019-10-08 09:00" (Beijing). */
export function bj(text, withSeconds = false) {
  if (!text) return "—";
  const ms = typeof text === "number" || /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(String(text).replace(/(\.\d{3})\d+/, "$1"));
  if (Number.isNaN(ms)) return String(text);
  const d = new Date(ms + 8 * HOUR);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return `${day} ${time}${withSeconds ? ":" + pad(d.getUTCSeconds()) : ""}`;
}

/** Just the date in Beijing: "2019-10-08". */
export function bjDate(text) {
  return text ? bj(text).slice(0, 10) : "—";
}

/** A <input type=datetime-local> value, read as Beijing time → RFC 3339 with +08:00. */
export function fromLocalInput(value) {
  if (!value) return null;
  return (value.length === 16 ? `${value}:00` : value) + "+08:00";
}

/** Periods an official picks: all time, a year, a quarter. → {value, text, from, to}. */
export function periods(firstYear, lastYear) {
  const list = [{ value: "all", text: "全部（累计）", from: null, to: null }];
  for (let y = lastYear; y >= firstYear; y--) {
    list.push({ value: `${y}`, text: `${y}年`, from: `${y}-01-01T00:00:00+08:00`, to: `${y + 1}-01-01T00:00:00+08:00` });
    for (let q = 4; q >= 1; q--) {
      const start = `${y}-${pad(q * 3 - 2)}-01T00:00:00+08:00`;
      const end = q === 4 ? `${y + 1}-01-01T00:00:00+08:00` : `${y}-${pad(q * 3 + 1)}-01T00:00:00+08:00`;
      list.push({ value: `${y}Q${q}`, text: `${y}年第${"一二三四"[q - 1]}季度`, from: start, to: end });
    }
  }
  return list;
}

/** The moment a period is looked at: its end when that has passed, else now (null: the
 * ledger's default) — so that nothing is judged overdue at a moment still to come. */
export function periodEnd(period) {
  return period.to && Date.parse(period.to) <= Date.now() ? period.to : null;
}
