namespace Reconciler.Store.Replicas;

/// <summary>The streaming replicas reads may go to, and how long a read waits for one to catch up.</summary>
public sealed record ReplicaOptions
{
    /// <summary>Connection strings of hot standbys of the primary; none: every read goes to the primary.</summary>
    public IReadOnlyList<string> Connections { get; init; } = [];

    /// <summary>A replica further behind than this serves no read (the primary does).</summary>
    public TimeSpan MaxLag { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a read with a consistency token waits for a replica to replay past it before going to the primary.</summary>
    public TimeSpan TokenWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often each replica's replay position and lag are read.</summary>
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromMilliseconds(250);

    public static ReplicaOptions None { get; } = new();

    public void Validate()
    {
        if (MaxLag <= TimeSpan.Zero || TokenWait < TimeSpan.Zero || CheckEvery <= TimeSpan.Zero || Connections.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Replica options out of range: max lag {MaxLag}, token wait {TokenWait}, check every {CheckEvery}.");
        }
    }
}
