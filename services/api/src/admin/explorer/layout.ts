import { html, SafeHtml } from './html.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}header .brand{font-size:16px}
main{padding:16px 20px;max-width:1400px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
a{color:#0969da}
form.filters{display:flex;gap:10px;flex-wrap:wrap;align-items:end;margin-bottom:12px}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#57606a}
input,select,textarea{font:inherit;padding:4px 6px;border:1px solid #d0d7de;border-radius:6px}
button{font:inherit;padding:5px 12px;border-radius:6px;border:1px solid #d0d7de;background:#f6f8fa;cursor:pointer}
button.danger{color:#cf222e}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#eaeef2}
.status.completed{background:#dafbe1;color:#116329}.status.failed{background:#ffebe9;color:#a40e26}
.status.running{background:#ddf4ff;color:#0550ae}.status.waiting{background:#fff8c5;color:#7d4e00}
.status.cancelled{background:#eaeef2;color:#57606a}.status.pending{background:#fbefff;color:#6639ba}
pre{background:#fff;border:1px solid #d0d7de;padding:10px;overflow:auto;max-height:360px;margin:0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}.card{margin-bottom:16px}
.card h2{font-size:15px;margin:0 0 8px}.notice{background:#dafbe1;padding:8px 12px;border-radius:6px;margin-bottom:12px}
.actions{display:flex;gap:12px;align-items:start;margin-bottom:16px}.muted{color:#57606a}
figure.chart{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 12px}
figure.chart figcaption{font-weight:600;margin-bottom:6px}figure.chart svg{width:100%;height:auto;display:block}
ul.legend{list-style:none;display:flex;gap:14px;flex-wrap:wrap;padding:0;margin:6px 0 0;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
`;

/** The page frame of the admin pages. */
export function page(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · runq</title><style>${new SafeHtml(STYLE)}</style></head>
<body><header><span class="brand">runq</span><a href="/admin">Overview</a><a href="/admin/runs">Runs</a><a href="/admin/schedules">Schedules</a><a href="/admin/policies">Policies</a><a href="/admin/dead-letters">Dead letters</a><a href="/admin/webhooks">Webhooks</a><a href="/admin/webhook-subscriptions">Subscriptions</a><a href="/admin/queues">Queues</a></header>
<main>${body}</main></body></html>`;
}

/** A status badge. */
export function statusBadge(status: string, waitingReason?: string | null): SafeHtml {
  return html`<span class="status ${status}" data-status="${status}">${status}${waitingReason ? ` (${waitingReason})` : ''}</span>`;
}
