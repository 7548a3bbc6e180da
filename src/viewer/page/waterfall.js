// The virtualized waterfall: only the rows in view (plus a margin) are in the DOM, so a trace
// of any size renders in the same time; scrolling re-renders on the next animation frame.
import { groupId } from './model.js';

const ROW = 22;
const MARGIN = 15;

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

export function fmtMs(ms) {
  if (ms === undefined || Number.isNaN(ms)) return '';
  if (ms >= 1000) return (ms / 1000).toFixed(2) + ' s';
  if (ms >= 10) return ms.toFixed(0) + ' ms';
  if (ms >= 1) return ms.toFixed(1) + ' ms';
  return (ms * 1000).toFixed(0) + ' µs';
}

/** A label beside a bar: after it, before it, or inside it when neither side has room. */
function label(left, width, html) {
  if (left + width <= 75) return `<span class="dur" style="left:calc(${left + width}% + 4px)">${html}</span>`;
  if (left >= 25) return `<span class="dur" style="right:calc(${100 - left}% + 4px)">${html}</span>`;
  return `<span class="dur inside" style="left:calc(${left}% + 4px)">${html}</span>`;
}

export class Waterfall {
  constructor(el, handlers) {
    this.el = el;
    this.spacer = el.querySelector('.spacer-rows');
    this.layer = el.querySelector('.rows');
    this.handlers = handlers;
    this.rows = [];
    this.trace = null;
    this.selected = null;
    this.highlight = null;
    this.critical = false;
    this.frame = 0;
    el.addEventListener('scroll', () => this.schedule());
    this.layer.addEventListener('click', (e) => {
      const rowEl = e.target.closest('.row');
      if (!rowEl) return;
      const row = this.rows[Number(rowEl.dataset.i)];
      if (!row) return;
      if (row.type === 'group') return handlers.toggleGroup(row);
      if (e.target.classList.contains('regroup')) return handlers.collapseGroup(row.node);
      if (e.target.classList.contains('caret') && row.node.children.length > 0) return handlers.toggle(row.node);
      handlers.select(row.node);
    });
  }

  setRows(trace, rows) {
    this.trace = trace;
    this.rows = rows;
    this.spacer.style.height = rows.length * ROW + 'px';
    this.render();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Scrolls so the row of `node` is in view. */
  reveal(node) {
    const i = this.rows.findIndex((r) => r.type === 'span' && r.node === node);
    if (i < 0) return;
    const top = i * ROW;
    if (top < this.el.scrollTop || top > this.el.scrollTop + this.el.clientHeight - ROW) this.el.scrollTop = Math.max(0, top - this.el.clientHeight / 3);
    this.render();
  }

  render() {
    const t = this.trace;
    if (!t) return;
    const first = Math.max(0, Math.floor(this.el.scrollTop / ROW) - MARGIN);
    const last = Math.min(this.rows.length, Math.ceil((this.el.scrollTop + this.el.clientHeight) / ROW) + MARGIN);
    const span = t.duration || 1;
    const pos = (start, end) => {
      const left = ((start - t.start) / span) * 100;
      const width = Math.max(((end - start) / span) * 100, 0.05);
      return [left, width];
    };
    let html = '';
    for (let i = first; i < last; i++) {
      const row = this.rows[i];
      const indent = row.depth * 14;
      if (row.type === 'group') {
        const g = row.group;
        const [left, width] = pos(g.start, g.end);
        html += `<div class="row group" data-i="${i}" data-group="${esc(row.id)}" style="top:${i * ROW}px">`
          + `<div class="label" style="padding-left:${indent}px"><span class="caret">▸</span>${g.nPlusOne ? '<span class="badge">N+1</span>' : ''}`
          + `${g.count}× ${esc(g.members[0].name)}</div>`
          + `<div class="track"><div class="bar" style="left:${left}%;width:${width}%;opacity:.6"></div>`
          + label(left, width, `total ${fmtMs(g.total)} · p50 ${fmtMs(g.p50)} · max ${fmtMs(g.max)}${g.errors ? ` · <span class="err">${g.errors} errors</span>` : ''}`)
          + `</div></div>`;
        continue;
      }
      const n = row.node;
      const [left, width] = pos(n.start, n.end);
      const classes = ['row'];
      if (this.selected === n) classes.push('selected');
      if (this.critical && n.critical) classes.push('critical');
      if (this.highlight && !this.highlight.has(n)) classes.push('dim');
      const caret = n.children.length === 0 ? '' : this.handlers.isCollapsed(n) ? '▸' : '▾';
      const grouped = n.group && n.parent ? ` <span class="muted regroup" title="Collapse the ${n.group.count} alike siblings into one row">(${n.group.count}×, collapse)</span>` : '';
      html += `<div class="${classes.join(' ')}" data-i="${i}" data-span="${n.id}" style="top:${i * ROW}px">`
        + `<div class="label" style="padding-left:${indent}px" title="${esc(n.service + ' ' + n.name)}"><span class="caret">${caret}</span>`
        + `<span class="svc">${esc(n.service)}</span>${n.status.code === 2 ? '<span class="err">' + esc(n.name) + '</span>' : esc(n.name)}${grouped}</div>`
        + `<div class="track"><div class="bar${n.status.code === 2 ? ' error' : ''}" style="left:${left}%;width:${width}%"></div>`
        + label(left, width, fmtMs(n.end - n.start)) + `</div></div>`;
    }
    this.layer.innerHTML = html;
  }
}

export { groupId, esc };
