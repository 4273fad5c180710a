#!/usr/bin/env node
'use strict';
// Writes data/loans.csv: a small, made-up table of loan applications, messy the way exported tables
// are (a BOM and CRLF line ends, ';' between fields, quoted fields with line breaks in them, NA / ? /
// empty cells, an identifier column, a free-text column, a yes/no column, rows without a label), for
// the README's command-line example and the tests. Every value comes from the seeded generator below:
// the file is the same on every run and describes no real person. Released with blasnet (MIT).
//
//   npm run build && node scripts/make-loans-csv.js [out.csv]
const fs = require('fs');
const path = require('path');
// blasnet's own seeded generator (mulberry32), started at the seed itself as its state.
const { RandomStream } = require(path.join(__dirname, '..', 'dist', 'random.js'));

const rnd = RandomStream.fromState(20261201).next;
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

const EMPLOYMENT = ['full-time', 'full-time', 'full-time', 'part-time', 'self-employed', 'unemployed', 'retired'];
const HOME = ['rent', 'rent', 'own', 'mortgage', 'mortgage', 'other'];
const CITIES = ['Lyon', 'Porto', 'Gent', 'Leipzig', 'Bologna', 'Graz', 'Tartu', 'Cork', 'Malmo', 'Brno', 'Split', 'Turku'];
const NOTES = ['called back twice', 'documents complete', 'asked for a lower rate;\nsent the form again', 'prefers email', 'second application'];

const ROWS = 1000;
const lines = ['applicant_id;age;income;employment;years_employed;home;city;has_guarantor;loan_amount;debt_ratio;notes;decision'];
for (let i = 0; i < ROWS; i++) {
  const age = Math.round(Math.min(75, Math.max(18, 40 + 12 * normal())));
  const employment = age > 64 && rnd() < 0.7 ? 'retired' : pick(EMPLOYMENT);
  const working = employment !== 'unemployed' && employment !== 'retired';
  const income = Math.max(6, (working ? 42 : 18) * Math.exp(0.45 * normal()) * (employment === 'part-time' ? 0.55 : 1));
  const years = working ? Math.min(age - 17, Math.floor(rnd() * 20)) : null;
  const home = pick(HOME);
  const guarantor = rnd() < 0.25;
  const amount = Math.round((2 + 28 * rnd() * rnd()) * 1000 / 50) * 50;
  const debt = Math.max(0, Math.min(1.5, 0.35 + 0.2 * normal()));
  // The decision: affordability, debt, a guarantor, stable work, plus noise.
  const score = 2.2 * Math.log(income / (amount / 1000)) - 4 * debt + (guarantor ? 1.1 : 0) + (working ? 0.6 : -0.4) +
    (home === 'own' ? 0.4 : 0) + 0.03 * (years ?? 0) - 1.2 + 0.8 * normal();
  const decision = score > 0 ? 'approved' : 'declined';
  const cell = {
    id: `A${String(i + 1).padStart(4, '0')}`,
    age: rnd() < 0.03 ? '?' : String(age),
    income: rnd() < 0.08 ? 'NA' : income.toFixed(1),
    employment: rnd() < 0.02 ? '' : employment,
    years: years === null ? '' : String(years),
    home,
    city: pick(CITIES),
    guarantor: guarantor ? 'yes' : 'no',
    amount: String(amount),
    debt: rnd() < 0.04 ? '' : debt.toFixed(3),
    notes: rnd() < 0.15 ? `"${pick(NOTES)}, ref ${Math.floor(rnd() * 90000 + 10000)}"` : '',
    decision: rnd() < 0.005 ? '' : decision,
  };
  lines.push([cell.id, cell.age, cell.income, cell.employment, cell.years, cell.home, cell.city, cell.guarantor, cell.amount, cell.debt, cell.notes, cell.decision].join(';'));
}
const out = process.argv[2] || path.join(__dirname, '..', 'data', 'loans.csv');
fs.writeFileSync(out, '\uFEFF' + lines.join('\r\n') + '\r\n');
console.log(`wrote ${out}: ${ROWS} rows`);
