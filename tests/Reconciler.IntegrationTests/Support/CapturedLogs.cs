using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Reconciler.IntegrationTests.Support;

/// <summary>A logger provider that keeps what a server logs (after the host's level filters), for tests of its logs.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly ConcurrentDictionary<string, bool> _categories = new(StringComparer.Ordinal);

    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message);

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>Every category a logger was created for: proof that a component's logs would have reached this provider.</summary>
    public IReadOnlyCollection<string> Categories => [.. _categories.Keys];

    public ILogger CreateLogger(string categoryName)
    {
        _categories[categoryName] = true;
        return new Logger(categoryName, _entries);
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception)));
    }
}
