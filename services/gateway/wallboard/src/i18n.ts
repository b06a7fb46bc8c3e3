/** Every label on the wallboard, in each supported language. `{name}` placeholders are filled by {@link t}. */
export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

const en = {
  title: 'Callboard',
  window: 'Rolling 15 min',
  connecting: 'connecting…',
  reconnecting: 'reconnecting…',
  dataAge: 'data is {n} s old',
  noData: 'no data yet',
  noToken: 'No token. Open this page as /#token=<token> (pnpm callboard token --tenant T --role wallboard).',
  tokenRefused: 'The token was refused ({code}); retrying.',
  waiting: 'Waiting for KPI snapshots…',
  callsWaiting: 'Calls waiting',
  longestWait: 'Longest wait',
  asa: 'ASA',
  abandonRate: 'Abandon rate',
  agentsAvailable: 'Available',
  agentsOnCall: 'On call',
  answerRate: 'Answer rate',
  sparkline: 'SL, last 60 min',
  target: 'target {pct}',
  'sl.negativeAbandon': 'SL · negative abandon',
  'sl.ignoreShortAbandon': 'SL · ignore short abandons',
  'sl.positiveAbandon': 'SL · positive abandon',
  'sl.abandonAfterSlOnly': 'SL · abandons after threshold',
  'sl.handledOnly': 'SL · handled only',
  alertsTitle: 'Alerts',
  acknowledge: 'Acknowledge',
  acknowledgedBy: 'acknowledged by {by}',
  severity_critical: 'critical',
  severity_warning: 'warning',
  severity_info: 'info',
  moreAlerts: '+{n} more',
  moreAlertsDetail: '+{n} more ({critical} critical, {warning} warning, {info} info)',
  langButton: '中文',
  'metric.sl.primary': 'Service level',
  'metric.sl.negativeAbandon': 'SL · negative abandon',
  'metric.sl.ignoreShortAbandon': 'SL · ignore short abandons',
  'metric.sl.positiveAbandon': 'SL · positive abandon',
  'metric.sl.abandonAfterSlOnly': 'SL · abandons after threshold',
  'metric.sl.handledOnly': 'SL · handled only',
  'metric.answerRate': 'Answer rate',
  'metric.abandonRate': 'Abandon rate',
  'metric.asaMs': 'ASA',
  'metric.avgAbandonWaitMs': 'Wait before abandoning',
  'metric.ahtMs': 'Average handle time',
  'metric.avgTalkMs': 'Average talk time',
  'metric.transferRate': 'Transfer rate',
  'metric.fcrRate': 'First-contact resolution',
  'metric.live.callsWaiting': 'Calls waiting',
  'metric.live.longestWaitingMs': 'Longest wait',
  'metric.live.agentsAvailable': 'Agents available',
  'metric.live.occupancy': 'Occupancy',
  'metric.live.waitingWithNoAgent': 'Calls waiting, no agent free',
  'metric.planning.projectedSl': 'Projected service level',
  'metric.planning.requiredAgentsGap': 'Agents short (projected)',
} as const;

export type LabelKey = keyof typeof en;

const zhCN: Record<LabelKey, string> = {
  title: '呼叫中心看板',
  window: '滚动 15 分钟',
  connecting: '正在连接…',
  reconnecting: '正在重新连接…',
  dataAge: '数据延迟 {n} 秒',
  noData: '暂无数据',
  noToken: '缺少令牌。请以 /#token=<令牌> 打开本页（pnpm callboard token --tenant T --role wallboard）。',
  tokenRefused: '令牌被拒绝（{code}），正在重试。',
  waiting: '正在等待 KPI 数据…',
  callsWaiting: '排队数',
  longestWait: '最长等待',
  asa: '平均应答时间',
  abandonRate: '放弃率',
  agentsAvailable: '空闲坐席',
  agentsOnCall: '通话中',
  answerRate: '人工接通率',
  sparkline: '近 60 分钟服务水平',
  target: '目标 {pct}',
  'sl.negativeAbandon': '服务水平 · 放弃计入分母',
  'sl.ignoreShortAbandon': '服务水平 · 忽略短放弃',
  'sl.positiveAbandon': '服务水平 · 放弃计为达标',
  'sl.abandonAfterSlOnly': '服务水平 · 仅计超时放弃',
  'sl.handledOnly': '服务水平 · 仅计已接听',
  alertsTitle: '告警',
  acknowledge: '确认',
  acknowledgedBy: '已由 {by} 确认',
  severity_critical: '严重',
  severity_warning: '警告',
  severity_info: '提示',
  moreAlerts: '另有 {n} 条',
  moreAlertsDetail: '另有 {n} 条（严重 {critical}，警告 {warning}，提示 {info}）',
  langButton: 'English',
  'metric.sl.primary': '服务水平',
  'metric.sl.negativeAbandon': '服务水平 · 放弃计入分母',
  'metric.sl.ignoreShortAbandon': '服务水平 · 忽略短放弃',
  'metric.sl.positiveAbandon': '服务水平 · 放弃计为达标',
  'metric.sl.abandonAfterSlOnly': '服务水平 · 仅计超时放弃',
  'metric.sl.handledOnly': '服务水平 · 仅计已接听',
  'metric.answerRate': '人工接通率',
  'metric.abandonRate': '放弃率',
  'metric.asaMs': '平均应答时间',
  'metric.avgAbandonWaitMs': '放弃前平均等待',
  'metric.ahtMs': '平均处理时长',
  'metric.avgTalkMs': '平均通话时长',
  'metric.transferRate': '转接率',
  'metric.fcrRate': '首次解决率',
  'metric.live.callsWaiting': '排队数',
  'metric.live.longestWaitingMs': '最长等待',
  'metric.live.agentsAvailable': '空闲坐席',
  'metric.live.occupancy': '坐席占用率',
  'metric.live.waitingWithNoAgent': '有排队但无空闲坐席',
  'metric.planning.projectedSl': '预测服务水平',
  'metric.planning.requiredAgentsGap': '预测坐席缺口',
};

export const DICTIONARY: Record<Language, Record<LabelKey, string>> = { en, 'zh-CN': zhCN };

/** `?lang=` wins, then the browser's language (any zh → zh-CN), then English. */
export function pickLanguage(query: string | null, navigatorLanguage: string | undefined): Language {
  if (query && (LANGUAGES as readonly string[]).includes(query)) return query as Language;
  return navigatorLanguage?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function t(lang: Language, key: LabelKey, params: Record<string, string | number> = {}): string {
  return DICTIONARY[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

export function isLabelKey(key: string): key is LabelKey {
  return key in en;
}
