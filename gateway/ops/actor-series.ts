/**
 * The actor runtime's figures of this node (ActorMetricsSnapshot) in the Prometheus text format,
 * hooked into /metrics: messages per kind and type with their latency, activations, shards held,
 * durable writes, fencings, batches taken back for size.
 */
import type { ActorMetricsSnapshot, HistogramSnapshot } from '../../actors/runtime/metrics.ts';
import { escape } from './http-series.ts';

export function renderActorMetrics(s: ActorMetricsSnapshot): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  metric('ravel_actor_activations', 'gauge', 'Actors live on this node');
  out.push(`ravel_actor_activations ${s.activations}`);
  metric('ravel_actor_owned_shards', 'gauge', 'Shards whose lease this node holds');
  out.push(`ravel_actor_owned_shards ${s.ownedShards}`);
  const totals: Array<[string, string, number]> = [
    ['ravel_actor_activations_started_total', 'Activations started on this node', s.activationsStarted],
    ['ravel_actor_passivations_total', 'Activations passivated when idle', s.passivations],
    ['ravel_actor_fenced_total', 'Activations stopped because a newer one owns the record', s.fenced],
    ['ravel_actor_reads_answered_at_once_total', 'Read-only asks answered at delivery, without a turn', s.readsAnsweredAtOnce],
    ['ravel_actor_committed_turns_total', 'Turns carried by durable record writes', s.committedTurns],
    ['ravel_actor_batches_overfull_total', 'Batches of turns taken back because the record would not fit the record store', s.batchesOverfull],
  ];
  for (const [name, help, value] of totals) {
    metric(name, 'counter', help);
    out.push(`${name} ${value}`);
  }
  metric('ravel_actor_messages_total', 'counter', 'Messages by actor kind, type and outcome (accepted, refused at the door, completed, failed)');
  for (const m of s.messages) {
    const l = `kind="${escape(m.kind)}",type="${escape(m.type)}"`;
    out.push(
      `ravel_actor_messages_total{${l},outcome="accepted"} ${m.accepted}`,
      `ravel_actor_messages_total{${l},outcome="refused"} ${m.refused}`,
      `ravel_actor_messages_total{${l},outcome="completed"} ${m.completed}`,
      `ravel_actor_messages_total{${l},outcome="failed"} ${m.failed}`,
    );
  }
  metric('ravel_actor_message_duration_seconds', 'histogram', 'From acceptance to the reply, after the durable write when the turn changed state');
  for (const m of s.messages) histogram(out, 'ravel_actor_message_duration_seconds', `kind="${escape(m.kind)}",type="${escape(m.type)}"`, m.latency);
  metric('ravel_actor_commit_duration_seconds', 'histogram', 'Durable record writes and how long each took');
  histogram(out, 'ravel_actor_commit_duration_seconds', '', s.commits);
  return `${out.join('\n')}\n`;
}

function histogram(out: string[], name: string, labels: string, h: HistogramSnapshot): void {
  const sep = labels === '' ? '' : ',';
  let cumulative = 0;
  h.bucketsUs.forEach((us, i) => {
    cumulative += h.counts[i] ?? 0;
    out.push(`${name}_bucket{le="${us / 1e6}"${sep}${labels}} ${cumulative}`);
  });
  out.push(`${name}_bucket{le="+Inf"${sep}${labels}} ${h.count}`);
  const braces = labels === '' ? '' : `{${labels}}`;
  out.push(`${name}_sum${braces} ${h.sumUs / 1e6}`, `${name}_count${braces} ${h.count}`);
}
