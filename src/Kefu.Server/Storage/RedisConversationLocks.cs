using Kefu.Dialogue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Kefu.Server.Storage;

/// <summary>Where the lock store is (endpoints.yml `lock_store: type: redis`) and how long a lock outlives a silent holder.</summary>
public sealed record RedisLockOptions(string Host, int Port = 6379, int Database = 1, string? Password = null, string KeyPrefix = "kefu")
{
    /// <summary>A lock (and a place in the queue) whose holder stops renewing it is free after this; holders renew every third of it.</summary>
    public TimeSpan LockLifetime { get; init; } = TimeSpan.FromSeconds(10);

    public string Description => $"Redis at {Host}:{Port}/{Database}";
}

/// <summary>
/// Conversation locks in Redis, shared by every server replica, after Rasa's TicketLock: a message takes the next ticket
/// of its conversation (INCR) and queues (ZADD); the lowest live ticket takes the lock (SET NX PX with a random token)
/// and leaves the queue. So one conversation's messages run one at a time in the order they reached any replica.
/// A holder renews its lock, and a waiter its place, every third of the lifetime; a replica killed with -9 stops
/// renewing, and its lock and its places expire after <see cref="RedisLockOptions.LockLifetime"/>. Release checks the
/// token (Lua), so a late holder never frees a lock someone else has taken since; and a late holder's append is refused
/// by the store (<see cref="IEventStore.AppendExpectingAsync"/>), which fences it. Keys: PREFIX:{conversation}:ticket,
/// :queue, :waiter:N and :lock. Redis unreachable: <see cref="ConversationStoreUnavailableException"/> (503).
/// </summary>
public sealed class RedisConversationLocks : IConversationLocks, IDisposable
{
    // KEYS[1] ticket counter, KEYS[2] queue; ARGV[1] token, ARGV[2] lifetime ms, ARGV[3] waiter key prefix, ARGV[4] idle
    // lifetime ms. Takes the next ticket and a place in the queue, alive for one lifetime unless renewed; returns the ticket.
    private const string EnqueueScript = """
        local ticket = redis.call('INCR', KEYS[1])
        redis.call('SET', ARGV[3] .. ticket, ARGV[1], 'PX', ARGV[2])
        redis.call('ZADD', KEYS[2], ticket, ticket)
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('PEXPIRE', KEYS[2], ARGV[4])
        return ticket
        """;

    // KEYS[1] queue, KEYS[2] lock; ARGV[1] ticket, ARGV[2] token, ARGV[3] lifetime ms, ARGV[4] waiter key prefix.
    // 1: acquired; 0: not yet; -1: this ticket lost its place (its waiter key expired while it was not renewed).
    private const string TryAcquireScript = """
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
        while true do
          local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
          if head == ARGV[1] then break end
          if redis.call('EXISTS', ARGV[4] .. head) == 1 then return 0 end
          redis.call('ZREM', KEYS[1], head)
        end
        if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
          redis.call('ZREM', KEYS[1], ARGV[1])
          redis.call('DEL', ARGV[4] .. ARGV[1])
          return 1
        end
        return 0
        """;

    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    // Tickets and queues of a conversation nobody writes to go away after a day.
    private static readonly TimeSpan IdleKeyLifetime = TimeSpan.FromDays(1);

    private readonly ConnectionMultiplexer _redis;
    private readonly RedisLockOptions _options;
    private readonly ILogger _logger;

    public bool SharedAcrossProcesses => true;

    /// <summary>Connects (StackExchange.Redis retries with back-off) and pings; throws ConversationStoreException when Redis cannot be reached.</summary>
    public RedisConversationLocks(RedisLockOptions options, ILogger<RedisConversationLocks>? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var configuration = new ConfigurationOptions
        {
            EndPoints = { { options.Host, options.Port } },
            DefaultDatabase = options.Database,
            Password = options.Password,
            AbortOnConnectFail = false, // reconnects in the background after Redis restarts
            ConnectRetry = 3,
            // Generous: a loaded machine (or a GC pause) must not turn into spurious 503s; Rasa's socket timeout is 10 s.
            ConnectTimeout = 5000,
            SyncTimeout = 5000,
            AsyncTimeout = 5000,
            ClientName = "kefu",
        };
        _redis = ConnectionMultiplexer.Connect(configuration);
        try
        {
            _redis.GetDatabase().Ping();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _redis.Dispose();
            throw new ConversationStoreException($"cannot use the lock store ({options.Description}): {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    public async Task<IAsyncDisposable> AcquireAsync(string conversationId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var keys = new Keys(_options.KeyPrefix, conversationId);
        var token = Guid.NewGuid().ToString("N");
        var lifetime = (long)_options.LockLifetime.TotalMilliseconds;
        var renewEvery = _options.LockLifetime / 3;
        var database = _redis.GetDatabase();
        long ticket = 0;
        try
        {
            while (true)
            {
                ticket = await EnqueueAsync(database, keys, token).ConfigureAwait(false);
                var delay = TimeSpan.FromMilliseconds(1);
                var renewed = DateTime.UtcNow;
                while (true)
                {
                    var result = (long)await database.ScriptEvaluateAsync(TryAcquireScript, [keys.Queue, keys.Lock],
                        [ticket, token, lifetime, keys.WaiterPrefix]).ConfigureAwait(false);
                    if (result == 1)
                        return new Lease(this, keys, token);
                    if (result == -1)
                    {
                        _logger.LogWarning("Conversation {Id}: waited past the lock lifetime without renewing; queueing again", conversationId);
                        break;
                    }
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = TimeSpan.FromMilliseconds(Math.Min(20, delay.TotalMilliseconds * 2));
                    if (DateTime.UtcNow - renewed > renewEvery)
                    {
                        await database.KeyExpireAsync(keys.Waiter(ticket), _options.LockLifetime).ConfigureAwait(false);
                        renewed = DateTime.UtcNow;
                    }
                }
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Unavailable(e);
        }
        catch (OperationCanceledException) when (ticket > 0)
        {
            // A waiter that gives up (its client hung up) leaves the queue now, not a lifetime later.
            database.SortedSetRemove(keys.Queue, ticket, CommandFlags.FireAndForget);
            database.KeyDelete(keys.Waiter(ticket), CommandFlags.FireAndForget);
            throw;
        }
    }

    private async Task<long> EnqueueAsync(IDatabase database, Keys keys, string token) =>
        (long)await database.ScriptEvaluateAsync(EnqueueScript, [keys.Ticket, keys.Queue],
            [token, (long)_options.LockLifetime.TotalMilliseconds, keys.WaiterPrefix, (long)IdleKeyLifetime.TotalMilliseconds]).ConfigureAwait(false);

    private ConversationStoreUnavailableException Unavailable(Exception e) =>
        new($"the lock store ({_options.Description}) cannot be reached: {e.Message.ReplaceLineEndings(" ")}", e);

    public void Dispose() => _redis.Dispose();

    private readonly record struct Keys(string Prefix, string ConversationId)
    {
        // {conversation} is a Redis Cluster hash tag: a conversation's keys live on one node, as the scripts need.
        private string Base => $"{Prefix}:{{{ConversationId}}}";
        public RedisKey Ticket => Base + ":ticket";
        public RedisKey Queue => Base + ":queue";
        public RedisKey Lock => Base + ":lock";
        public string WaiterPrefix => Base + ":waiter:";
        public RedisKey Waiter(long ticket) => WaiterPrefix + ticket;
    }

    /// <summary>The held lock, renewed every third of its lifetime until disposed; disposing releases it if it is still ours.</summary>
    private sealed class Lease : IAsyncDisposable
    {
        private readonly RedisConversationLocks _owner;
        private readonly Keys _keys;
        private readonly string _token;
        private readonly Timer _renewal;
        private int _released;

        public Lease(RedisConversationLocks owner, Keys keys, string token)
        {
            _owner = owner;
            _keys = keys;
            _token = token;
            var every = owner._options.LockLifetime / 3;
            _renewal = new Timer(_ => _ = RenewAsync(), null, every, every);
        }

        private async Task RenewAsync()
        {
            try
            {
                var renewed = (long)await _owner._redis.GetDatabase().ScriptEvaluateAsync(RenewScript, [_keys.Lock],
                    [_token, (long)_owner._options.LockLifetime.TotalMilliseconds]).ConfigureAwait(false);
                if (renewed == 0 && Volatile.Read(ref _released) == 0)
                    _owner._logger.LogWarning("Conversation {Id}: its lock expired mid-turn; the turn's events are fenced and will be refused if another replica wrote meanwhile",
                        _keys.ConversationId);
            }
            catch (Exception e) // a timer callback: nothing may escape it; an unrenewed lock expires, and the append is fenced
            {
                _owner._logger.LogWarning("Conversation {Id}: cannot renew its lock: {Reason}", _keys.ConversationId, e.Message);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1)
                return;
            await _renewal.DisposeAsync().ConfigureAwait(false);
            try
            {
                await _owner._redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [_keys.Lock], [_token]).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The lock expires by itself within its lifetime; the turn itself is stored.
                _owner._logger.LogWarning("Conversation {Id}: cannot release its lock (it expires by itself): {Reason}", _keys.ConversationId, e.Message);
            }
        }
    }
}
