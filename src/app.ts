import type { Connection, Model } from 'mongoose';
import { Api, type Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Config, Locale } from './config.js';
import { chatLanguage } from './bot/chat-language.js';
import { ChatStore } from './bot/chats.js';
import type { BotContext } from './bot/context.js';
import { createBot } from './bot/create-bot.js';
import { createI18n, translatorFor, type Translate } from './bot/i18n.js';
import { Messenger } from './bot/telegram/messenger.js';
import { createProviderAccounts } from './accounts/provider-accounts.js';
import { AccountLinking } from './accounts/account-linking.js';
import { KeyVault } from './accounts/key-vault.js';
import { AccountBalances } from './accounts/balances.js';
import { GroupLinks } from './accounts/group-links.js';
import { InviteStore } from './accounts/invites.js';
import { StaffMembership } from './accounts/staff-membership.js';
import { AccountRoles } from './accounts/roles.js';
import { StaffStore } from './accounts/staff.js';
import type { KeyGuard, KeyGuardOptions, KeyStateReport } from './accounts/key-guard.js';
import type { OneClickClient, OneClickClientOptions } from './provider/client.js';
import { installPacing, type PacingHooks } from './bot/telegram/pacing.js';
import { StatusDelivery, type ShownInfo } from './bot/status-delivery.js';
import { ChatPacer, type PacerEvents } from './outbox/chat-pacer.js';
import { systemClock, type Clock } from './shared/clock.js';
import type { Logger } from './shared/logger.js';
import { newOwnerId } from './tracking/leases.js';
import { applyRetention, ensureTtlIndex } from './tracking/retention.js';
import { trackingModels, type TrackingModels } from './tracking/models.js';
import { OrderTracker, type TrackerOptions } from './tracking/tracker.js';
import { LongTailSweep } from './tracking/long-tail-sweep.js';
import { JobScheduler } from './jobs/scheduler.js';
import { loadOfferKeySecret, migrateOffers, offerModel } from './resend/offers.js';
import { adoptIntoDefaultAccount } from './accounts/default-account-migration.js';
import { PlanCatalog } from './resend/plan-catalog.js';
import { ResendService } from './resend/resend-service.js';
import type { Metrics } from './ops/metrics.js';
import { orderStatsSource } from './ops/order-stats.js';
import { KeyScopes } from './resend/key-scopes.js';
import { DEFAULT_OFFER_POLICY, type OfferPolicy } from './resend/offer-machine.js';
import { OfferPreviews } from './resend/offer-previews.js';
import { OfferWorker } from './resend/offer-worker.js';
import { OwnerNoticeWorker } from './bot/owner-notices.js';
import { OwnerNotices, OwnerNoticeStore } from './accounts/owner-notices.js';
import { TelegramOfferMessages } from './bot/offer-messages.js';
import { buildIndexes } from './db/indexes.js';

/** The env-configured OneClickDz account (ONECLICK_API_KEY); linked accounts have random ids (accounts/account-store.ts). */
export const ENV_ACCOUNT_ID = 'env';

export interface AppOptions {
  config: Config;
  connection: Connection;
  log: Logger;
  clock?: Clock;
  /** Known bot identity (skips getMe). */
  botInfo?: UserFromGetMe;
  /** Tests shorten these; production uses the defaults. */
  editIntervalMs?: number;
  /** How long a /status holds later answers of its chat back while its status message is owed (10 s). */
  answerPlaceTtlMs?: number;
  /** How long a brand-new lookup may take before its first status message shows "looking up" (700 ms). */
  firstAnswerWaitMs?: number;
  /** Observers of Telegram traffic (metrics): every paced call, every status message shown, 429s. */
  telegramHooks?: TelegramHooks;
  tracker?: Partial<Pick<TrackerOptions, 'idleMs' | 'pollLeaseMs' | 'deliveryLeaseMs' | 'lookupGiveUpMs' | 'random'>>;
  provider?: Partial<Pick<OneClickClientOptions, 'timeoutMs' | 'retry' | 'onRequest'>>;
  /** Offer worker: lease (default 60 s, renewed while a send runs) and idle poll. */
  offers?: { leaseMs?: number; idleMs?: number };
  /** Owner notice worker: lease (default 60 s) and idle poll (5 s). */
  notices?: { leaseMs?: number; idleMs?: number };
  /** Key guard timings (tests tick faster); production uses the defaults. */
  keyGuard?: Partial<Pick<KeyGuardOptions, 'tickMs' | 'trustMs' | 'backoff' | 'transientBackoff' | 'minRetryAfterMs'>>;
  /** Agenda lock lifetime of the long-tail sweep (default 5 min): how long a killed worker's sweep blocks. */
  sweepLockLifetimeMs?: number;
  /** Prometheus metrics (ops/metrics.ts): provider and Telegram calls, order gauges. */
  metrics?: Metrics;
}

/** Hook points for metrics: plain callbacks, called synchronously; they must not throw. */
export interface TelegramHooks extends PacingHooks, PacerEvents {
  /** A status message was sent or edited, or a resolution announced (resolution-to-message latency). */
  onShown?: (info: ShownInfo) => void;
}

export interface App {
  bot: Bot<BotContext>;
  /** Paces every message per chat (src/outbox); shared by update handlers and background deliveries. */
  pacer: ChatPacer;
  tracker: OrderTracker;
  models: TrackingModels;
  chats: ChatStore;
  /** Owners, staff and staff groups of the accounts (accounts/roles.ts). */
  roles: AccountRoles;
  /** Re-sending suggested offers (what the offer buttons call). */
  resend: ResendService;
  provider: OneClickClient | undefined;
  /** Provider key safety (every account's key); `keys.settled()` follows the first validation. */
  keys: KeyGuard | undefined;
  /** Linked OneClickDz accounts: linking, the accounts collection, the provider clients of linked keys. */
  linking: AccountLinking;
  /** Each provider key's state for /readyz (empty without a key): `ok`, `checking`, `rejected`, `paused`. */
  keyStates(): KeyStateReport[];
  translatorFor: (locale: Locale) => Translate;
  /** Builds MongoDB indexes (unique keys guard concurrency, so they must exist before any work). */
  prepare(): Promise<void>;
  sweep: LongTailSweep;
  /** Starts the background work (polling, deliveries, Agenda jobs). Updates are started by main. */
  start(): Promise<void>;
  /** Stops background work cleanly, finishing what is in flight (Agenda is drained, not stopped). */
  stop(): Promise<void>;
  /** Test hook: stops like a crash (kill -9) would, leaving leases behind. */
  crash(): void;
}

/** Wires the provider client, the tracking domain and the bot. No I/O happens until start(). */
export function createApp(opts: AppOptions): App {
  const { config, connection, log } = opts;
  const clock = opts.clock ?? systemClock;
  const models = trackingModels(connection);
  // This app's id on every lease it takes (tracking/leases.ts): two apps on one database never share one.
  const owner = newOwnerId();
  const chats = new ChatStore(connection);

  const { metrics } = opts;
  const onRequest = opts.provider?.onRequest ?? metrics?.observeProviderRequest;
  // Every provider call goes through the key guard: a rejected key is never sent again until it
  // revalidates, within the provider's attempt budget, and an IP block pauses every call.
  const accounts = createProviderAccounts({
    connection,
    baseUrl: config.oneclickApiUrl,
    keys: config.oneclickApiKey ? [{ accountId: ENV_ACCOUNT_ID, apiKey: config.oneclickApiKey }] : [],
    clock,
    log,
    client: { ...opts.provider, onRequest },
    guard: opts.keyGuard,
  });
  const provider = accounts.clientFor(ENV_ACCOUNT_ID);
  metrics?.setOrderStatsSource(orderStatsSource(models, clock));
  const accountId = provider ? ENV_ACCOUNT_ID : undefined;
  const linking = new AccountLinking({
    connection,
    accounts,
    vault: config.encryptionKey ? new KeyVault(config.encryptionKey) : undefined,
    clock,
    log: log.child({ module: 'accounts' }),
  });
  // Work started by update handlers that outlives them (a key check): stop() waits for it.
  const inFlight = new Set<Promise<unknown>>();
  const background = (work: Promise<unknown>) => {
    const tracked = work.catch((err: unknown) => log.error({ err }, 'background work failed')).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  let syncTimer: NodeJS.Timeout | undefined;
  // Owners, staff and staff groups of every account; ALLOWED_USER_IDS own the deployment's account.
  const invites = new InviteStore(connection);
  const roles = new AccountRoles({
    connection,
    accounts: linking.store,
    staff: new StaffStore(connection),
    groups: new GroupLinks(connection),
    envAccountId: accountId,
    allowedUserIds: config.allowedUserIds,
  });

  // Every account's provider client, the env account's and each linked one's (built from its decrypted key).
  const sources = (id: string) => accounts.clientFor(id);
  const trackerOptions: TrackerOptions = {
    models,
    sources,
    clock,
    timeScale: config.timeScale,
    longTail: config.longTail.policy,
    log: log.child({ module: 'tracker' }),
    owner,
    ...opts.tracker,
  };
  const tracker = new OrderTracker(trackerOptions);
  // Orders parked while the key was suspended (or the IP blocked) resume as soon as it is usable.
  accounts.guard.onUsable((id) => {
    tracker.resumeAccount(id).catch((err: unknown) => log.warn({ err, accountId: id }, 'could not resume parked orders'));
    if (id !== ENV_ACCOUNT_ID) linking.store.clearRejectionNotice(id).catch(() => undefined);
  });
  const sweep = new LongTailSweep({
    models,
    tracker,
    sources,
    clock,
    log: log.child({ module: 'long-tail' }),
    listThreshold: config.longTail.listThreshold,
    // Half the shortest recheck interval: early enough to align schedules, never a wasted round.
    coalesceMs: (Math.min(config.longTail.policy.verifying.everyMs, config.longTail.policy.queued.everyMs) / 2) * config.timeScale,
  });
  let scheduler: JobScheduler | undefined;
  const Offer = offerModel(connection);
  const ts = config.timeScale;
  const offerPolicy: OfferPolicy = {
    unconfirmedCheckForMs: config.offers.unconfirmedCheckForMs * ts,
    firstCheckAfterMs: DEFAULT_OFFER_POLICY.firstCheckAfterMs * ts,
    maxCheckEveryMs: DEFAULT_OFFER_POLICY.maxCheckEveryMs * ts,
  };
  const resendLog = log.child({ module: 'resend' });
  const scopes = new KeyScopes(clock);
  const plans = new PlanCatalog(connection, sources, clock);
  const offerWorker = new OfferWorker({
    Offer,
    tracker,
    senders: sources,
    scopes,
    // The confirmer's re-send right, asked again right before each POST (a removal may have landed since the press).
    permissions: roles,
    policy: offerPolicy,
    clock,
    log: resendLog,
    ...(opts.offers?.leaseMs !== undefined ? { leaseMs: opts.offers.leaseMs } : {}),
    ...(opts.offers?.idleMs !== undefined ? { idleMs: opts.offers.idleMs } : {}),
  });
  const i18n = createI18n<BotContext>(config.defaultLocale, {
    localeNegotiator: (ctx) => chatLanguage(ctx, { chosenLocale: (chatId) => chats.locale(chatId), defaultLocale: config.defaultLocale }),
  });
  // The bot's handlers and the background offer work edit confirmations through this one object (it
  // keeps their edits of one message in order); its messenger wraps the bot's Api, built just below.
  const built: { messenger?: Messenger } = {};
  const offerMessages = new TelegramOfferMessages({
    messenger: () => {
      if (!built.messenger) throw new Error('offer messages used before the bot was built');
      return built.messenger;
    },
    chats,
    i18n,
    defaultLocale: config.defaultLocale,
    clock,
  });
  // What an account's owner is told outside their own updates (a key rejected later, staff joining):
  // recorded in MongoDB where it is detected, delivered by the notice worker (built with the bot below).
  const noticeStore = new OwnerNoticeStore(connection);
  const noticeWorker: { current?: OwnerNoticeWorker } = {};
  const ownerNotices = new OwnerNotices({
    store: noticeStore,
    accounts: linking.store,
    clock,
    onRecorded: () => noticeWorker.current?.kick(),
  });
  // Joining with an invite (redeem, member, owner notice; a retry completes an interrupted join) and removal.
  const membership = new StaffMembership({ invites, roles, notices: ownerNotices });
  const previews = new OfferPreviews({
    Offer,
    senders: sources,
    scopes,
    plans,
    messages: offerMessages,
    policy: offerPolicy,
    clock,
    log: resendLog,
    ...(opts.offers?.leaseMs !== undefined ? { leaseMs: opts.offers.leaseMs } : {}),
    ...(opts.offers?.idleMs !== undefined ? { idleMs: opts.offers.idleMs } : {}),
  });
  const resend = new ResendService({
    Offer,
    plans,
    scopes,
    previews,
    worker: offerWorker,
    policy: offerPolicy,
    clock,
    log: resendLog,
    permissions: roles,
  });

  const hooks = opts.telegramHooks ?? {};
  // One pacer for the whole process: handlers' replies and background deliveries share each chat's turns.
  const pacer = new ChatPacer({
    clock,
    events: hooks,
    ...(opts.answerPlaceTtlMs !== undefined ? { placeTtlMs: opts.answerPlaceTtlMs } : {}),
  });
  const bot = createBot(
    config.botToken,
    {
      tracker,
      chats,
      i18n,
      resend,
      offerMessages,
      models,
      connection,
      allowedUserIds: config.allowedUserIds,
      accounts: {
        linking,
        onboarding: config.onboarding,
        background,
        editMessage: async (chatId, messageId, html) => {
          await built.messenger?.edit(chatId, messageId, { html });
        },
      },
      accountInfo: {
        linking,
        balances: new AccountBalances({ clientFor: (id) => accounts.clientFor(id), clock }),
        envAccountId: ENV_ACCOUNT_ID,
        background,
        editMessage: async (chatId, messageId, html) => {
          await built.messenger?.edit(chatId, messageId, { html });
        },
      },
      roles,
      invites,
      membership,
      clock,
      log: log.child({ module: 'bot' }),
    },
    {
      apiRoot: config.telegramApiRoot,
      botInfo: opts.botInfo,
      apiTransformers: metrics ? [metrics.telegramTransformer()] : [],
      pacer,
      telegramHooks: hooks,
    },
  );
  // Update handlers and the background offer work share the bot's Api (replies kept until accepted).
  const messenger = new Messenger(bot.api, log.child({ module: 'messenger' }));
  built.messenger = messenger;
  // A linked key the provider rejects later: its owner hears it once per rejection, in their private chat.
  accounts.guard.onRejected((id) => {
    if (id === ENV_ACCOUNT_ID) return;
    background(ownerNotices.keyRejected(id));
  });
  // Status deliveries get their own Api: paced, one attempt per turn, a 429 or failure comes back to
  // StatusDelivery, which records in MongoDB when to try again (no in-place retries holding a slot).
  const deliveryApi = new Api(config.botToken, { apiRoot: config.telegramApiRoot, timeoutSeconds: 30 });
  if (metrics) deliveryApi.config.use(metrics.telegramTransformer());
  installPacing(deliveryApi, { pacer, retryUntilAccepted: false, hooks });
  const deliveryMessenger = new Messenger(deliveryApi, log.child({ module: 'messenger' }));
  noticeWorker.current = new OwnerNoticeWorker({
    store: noticeStore,
    messenger: deliveryMessenger,
    pacer,
    chats,
    i18n,
    defaultLocale: config.defaultLocale,
    clock,
    log: log.child({ module: 'notices' }),
    owner,
    ...opts.notices,
  });
  const notices = noticeWorker.current;
  const delivery = new StatusDelivery({
    Offer,
    messenger: deliveryMessenger,
    pacer,
    onShown: (info) => {
      hooks.onShown?.(info);
      if (metrics && info.resolved && info.statusSince) metrics.observeResolutionToMessage(clock.now() - info.statusSince.getTime());
    },
    ...(opts.firstAnswerWaitMs !== undefined ? { firstAnswerWaitMs: opts.firstAnswerWaitMs } : {}),
    chats,
    models,
    i18n,
    defaultLocale: config.defaultLocale,
    clock,
    log: log.child({ module: 'delivery' }),
    owner,
    ...(opts.editIntervalMs !== undefined ? { editIntervalMs: opts.editIntervalMs } : {}),
  });

  return {
    bot,
    pacer,
    tracker,
    models,
    chats,
    roles,
    resend,
    provider,
    keys: accounts.guard,
    linking,
    keyStates: () => accounts.guard.keyStates(),
    translatorFor: (locale) => translatorFor(i18n, locale),
    prepare: async () => {
      // Every model's collection and indexes, a failed build included (see buildIndexes).
      await buildIndexes(connection);
      // Orders, watchers and offers from before accounts existed are the default account's.
      const adopted = await adoptIntoDefaultAccount([models.Order, models.Watcher, Offer], ENV_ACCOUNT_ID);
      if (adopted > 0) log.info({ adopted }, 'documents without an account now belong to the default account (env)');
      await loadOfferKeySecret(connection);
      await migrateOffers(Offer, new Date(clock.now()), offerPolicy);
      // Orders closed longer than RETENTION_DAYS go, with their watchers (TTL indexes; old documents migrated).
      await applyRetention(models, config.retentionDays, log.child({ module: 'retention' }));
      // Owner notices go RETENTION_DAYS after they were recorded (delivered long before).
      await ensureTtlIndex(noticeStore.Notice as unknown as Model<unknown>, 'createdAt', Math.round(config.retentionDays * 86_400));
    },
    sweep,
    start: async () => {
      // Before any provider call: a rejection or IP block recorded by an earlier run is honoured.
      await accounts.guard.start();
      // Linked accounts' clients, from their sealed keys; accounts linked or unlinked by another process
      // are picked up every few seconds.
      await linking.syncLinked();
      const sync = () => {
        syncTimer = setTimeout(() => {
          linking
            .syncLinked()
            .catch((err: unknown) => log.warn({ err }, 'could not load linked accounts'))
            .finally(sync);
        }, 5_000);
        syncTimer.unref();
      };
      sync();
      tracker.start(delivery);
      offerWorker.start(offerMessages);
      previews.start();
      notices.start();
      scheduler = new JobScheduler({
        connection,
        sweep,
        sweepEveryMs: Math.max(50, config.longTail.sweepEveryMs * config.timeScale),
        lockLifetimeMs: opts.sweepLockLifetimeMs ?? 5 * 60_000,
        log: log.child({ module: 'jobs' }),
      });
      await scheduler.start();
    },
    stop: async () => {
      await scheduler?.drain();
      await Promise.all([previews.stop(), offerWorker.stop()]);
      await plans.settle();
      if (syncTimer) clearTimeout(syncTimer);
      syncTimer = undefined;
      await Promise.all([...inFlight]);
      await tracker.stop();
      await notices.stop();
      await accounts.guard.stop();
    },
    crash: () => {
      scheduler?.abandon();
      tracker.abandon();
      offerWorker.abandon();
      previews.abandon();
      notices.abandon();
      if (syncTimer) clearTimeout(syncTimer);
      void accounts.guard.stop();
    },
  };
}
