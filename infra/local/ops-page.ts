/**
 * The local ops page: the dashboard of `dashboardOf(topology)` (the one the CDK app deploys to
 * CloudWatch) rendered from the local telemetry, in one self-contained HTML page — inline SVG
 * charts, no script or font from anywhere else — that polls `/_local/ops/data` every 2 s.
 *
 *   GET /_local/ops                             the page
 *   GET /_local/ops/data?minutes=               every section and widget with its series (JSON)
 *   GET /_local/logs?correlationId=&service=&limit=
 *                                               captured JSON log lines, newest last
 */
import type { HttpResult } from '#shared/http/contract.ts';
import { type DashboardSection, dashboardOf, type MetricStat } from '../topology/dashboard.ts';
import type { Topology } from '../topology/types.ts';
import type { LocalRequest } from './gateway.ts';
import { BUCKET_MS, type LocalTelemetry, type MetricReading, RETENTION_MS } from './telemetry.ts';

/** The window the page shows unless `minutes` says otherwise. */
export const DEFAULT_WINDOW_MINUTES = 15;

export interface MetricView extends MetricReading {
  /** The window's figure: the total for Sum and SampleCount, the highest for Maximum, else the latest. */
  readonly value: number | null;
  readonly summary: 'total' | 'max' | 'latest';
}

export type WidgetView =
  | {
      readonly type: 'graph' | 'number';
      readonly title: string;
      readonly width: number;
      readonly metrics: MetricView[];
    }
  | { readonly type: 'text'; readonly width: number; readonly markdown: string };

export interface OpsData {
  readonly generatedAt: string;
  readonly bucketSeconds: number;
  readonly windowMinutes: number;
  readonly sections: { readonly title: string; readonly widgets: WidgetView[] }[];
  readonly capture: { readonly series: number; readonly droppedSeries: number; readonly logLines: number };
}

function summaryOf(stat: MetricStat): MetricView['summary'] {
  if (stat === 'Sum' || stat === 'SampleCount') return 'total';
  if (stat === 'Maximum') return 'max';
  return 'latest';
}

function view(reading: MetricReading): MetricView {
  const summary = summaryOf(reading.stat);
  const present = reading.points.filter((p): p is number => p !== null);
  const value =
    present.length === 0
      ? null
      : summary === 'total'
        ? present.reduce((a, b) => a + b, 0)
        : summary === 'max'
          ? Math.max(...present)
          : (present.at(-1) ?? null);
  return { ...reading, value, summary };
}

/** Every widget of the dashboard with its series over the last `windowMinutes`. */
export function opsData(
  telemetry: LocalTelemetry,
  dashboard: readonly DashboardSection[],
  windowMinutes = DEFAULT_WINDOW_MINUTES,
  now = Date.now(),
): OpsData {
  const windowMs = windowMinutes * 60_000;
  return {
    generatedAt: new Date(now).toISOString(),
    bucketSeconds: BUCKET_MS / 1000,
    windowMinutes,
    sections: dashboard.map((section) => ({
      title: section.title,
      widgets: section.widgets.map((widget): WidgetView => {
        if (widget.type === 'text') return { type: 'text', width: widget.width, markdown: widget.markdown };
        return {
          type: widget.type,
          title: widget.title,
          width: widget.width,
          metrics: widget.metrics.map((ref) => view(telemetry.read(ref, windowMs))),
        };
      }),
    })),
    capture: {
      series: telemetry.metrics.size,
      droppedSeries: telemetry.metrics.dropped,
      logLines: telemetry.logs.all().length,
    },
  };
}

const boundedInt = (raw: string | null, fallback: number, max: number): number =>
  Math.min(Math.max(Math.floor(Number(raw ?? fallback)) || fallback, 1), max);

/** `/_local/logs` and `/_local/ops/data`. */
export function localOps(
  telemetry: LocalTelemetry,
  topology: Topology,
): (request: LocalRequest) => Promise<HttpResult | undefined> {
  const dashboard = dashboardOf(topology);
  return async ({ method, path, query }) => {
    if (path !== '/_local/logs' && path !== '/_local/ops/data') return undefined;
    if (method !== 'GET') return { status: 405, body: { message: `${method} is not supported on ${path}` } };
    if (path === '/_local/ops/data') {
      const minutes = boundedInt(query.get('minutes'), DEFAULT_WINDOW_MINUTES, RETENTION_MS / 60_000);
      return { status: 200, body: opsData(telemetry, dashboard, minutes) };
    }
    const items = telemetry.logs.query({
      ...(query.get('correlationId') ? { correlationId: query.get('correlationId') as string } : {}),
      ...(query.get('service') ? { service: query.get('service') as string } : {}),
      limit: boundedInt(query.get('limit'), 200, 5_000),
    });
    return {
      status: 200,
      body: { items: items.map(({ function: fn, line }) => ({ function: fn, ...line })) },
    };
  };
}

/** The page itself: static HTML; everything it shows comes from `/_local/ops/data`. */
export function opsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Storeline local ops</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:13px system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{padding:10px 16px;background:#1d2330;color:#fff;display:flex;gap:16px;align-items:baseline}
header h1{font-size:16px;margin:0}
main{padding:8px 16px}
h2{font-size:15px;margin:18px 0 6px}
.grid{display:grid;grid-template-columns:repeat(24,1fr);gap:8px}
.widget{background:#fff;border:1px solid #d7dbe2;border-radius:4px;padding:8px;min-width:0}
.widget h3{font-size:12px;margin:0 0 4px;font-weight:600}
svg{width:100%;height:120px;display:block;background:#fafbfc}
ul.legend{list-style:none;margin:4px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 12px}
ul.legend li{white-space:nowrap}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.na{color:#8a93a3;font-style:italic}
.number{font-size:22px;font-weight:600}
pre{white-space:pre-wrap;margin:0}
</style></head>
<body><header><h1>Storeline local ops</h1><span id="status">loading…</span></header>
<main id="dashboard"></main>
<script>
const COLOURS=['#1f77b4','#d62728','#2ca02c','#ff7f0e','#9467bd','#8c564b','#e377c2','#17becf'];
const esc=(s)=>String(s).replace(/[&<>"']/g,(c)=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const fmt=(v)=>v===null?'–':(Math.abs(v)>=100||Number.isInteger(v)?Math.round(v).toLocaleString('en'):v.toFixed(2));
function chart(metrics){
  const n=Math.max(1,...metrics.map((m)=>m.points.length));
  const values=metrics.flatMap((m)=>m.points.filter((p)=>p!==null));
  const top=Math.max(1,...values);
  const W=300,H=100;
  const lines=metrics.map((m,i)=>{
    let d='';let pen=false;
    m.points.forEach((p,x)=>{
      if(p===null){pen=false;return;}
      const px=(n===1?W:(x/(n-1))*W).toFixed(1),py=(H-(p/top)*(H-6)-3).toFixed(1);
      d+=(pen?'L':'M')+px+' '+py+' ';pen=true;
    });
    return d?'<path d="'+d+'" fill="none" stroke-width="1.5" stroke="'+COLOURS[i%COLOURS.length]+'"/>':'';
  }).join('');
  return '<svg viewBox="0 0 '+W+' '+H+'" preserveAspectRatio="none" role="img"><text x="2" y="10" font-size="8" fill="#8a93a3">'+fmt(top)+'</text>'+lines+'</svg>';
}
function legend(metrics){
  return '<ul class="legend">'+metrics.map((m,i)=>m.notMeasured
    ?'<li class="na" data-label="'+esc(m.label)+'" data-value="" title="'+esc(m.notMeasured)+'">'+esc(m.label)+': not measured locally</li>'
    :'<li data-label="'+esc(m.label)+'" data-value="'+(m.value===null?'':m.value)+'"><span class="swatch" style="background:'+COLOURS[i%COLOURS.length]+'"></span>'+esc(m.label)+' <b>'+fmt(m.value)+'</b> <small>'+m.summary+'</small></li>').join('')+'</ul>';
}
function widget(w){
  const span='grid-column:span '+w.width;
  if(w.type==='text')return '<div class="widget" style="'+span+'"><pre>'+esc(w.markdown)+'</pre></div>';
  const body=w.type==='graph'?chart(w.metrics)+legend(w.metrics)
    :'<div>'+w.metrics.map((m)=>'<div data-label="'+esc(m.label)+'" data-value="'+(m.value===null?'':m.value)+'"><span class="number">'+fmt(m.value)+'</span> '+esc(m.label)+'</div>').join('')+'</div>';
  const unmeasured=w.metrics.find((m)=>m.notMeasured);
  return '<div class="widget" style="'+span+'" data-widget="'+esc(w.title)+'"><h3>'+esc(w.title)+'</h3>'+body
    +(unmeasured?'<div class="na">'+esc(unmeasured.notMeasured)+'</div>':'')+'</div>';
}
async function refresh(){
  try{
    const res=await fetch('/_local/ops/data',{cache:'no-store'});
    const data=await res.json();
    document.getElementById('dashboard').innerHTML=data.sections.map((s)=>'<section data-section="'+esc(s.title)+'"><h2>'+esc(s.title)+'</h2><div class="grid">'+s.widgets.map(widget).join('')+'</div></section>').join('');
    document.getElementById('status').textContent='last '+data.windowMinutes+' min in '+data.bucketSeconds+' s buckets · updated '+data.generatedAt.slice(11,19)+' UTC · '+data.capture.series+' series, '+data.capture.logLines+' log lines captured';
    document.body.dataset.updated=data.generatedAt;
  }catch(e){document.getElementById('status').textContent='cannot reach the runtime: '+e;}
}
refresh();setInterval(refresh,2000);
</script></body></html>
`;
}
