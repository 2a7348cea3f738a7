// The one table of Chinese labels is ledger/labels.py, served as /v1/labels: this module
// keeps no copy of its own. An answer that carries a label (``role_label`` …) wins.

let table = {};

export function setLabels(labels) {
  table = labels;
}

/** The label of ``code`` in ``vocabulary`` (the code itself when unknown). */
export function lbl(vocabulary, code) {
  if (code === null || code === undefined) return "—";
  return (table[vocabulary] && table[vocabulary][code]) || code;
}

/** ``item[field]`` shown: the answer's own ``<field>_label`` if it has one, else the table's. */
export function shown(item, field, vocabulary) {
  return item[`${field}_label`] || lbl(vocabulary, item[field]);
}

/** The codes of a vocabulary, in the table's order, with their labels: [[code, label]…]. */
export function choices(vocabulary) {
  return Object.entries(table[vocabulary] || {});
}
