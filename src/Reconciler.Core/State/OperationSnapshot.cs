using System.Collections.Immutable;
using System.Text;
using Reconciler.Core.Events;

namespace Reconciler.Core.State;

/// <summary>
/// The compact, versioned binary form of an <see cref="OperationState"/> that a writer keeps beside the
/// stream, so the next write starts from it instead of re-folding every event. The first byte is the
/// format; a reader that does not know it returns null and the caller folds the events instead, so an
/// older or newer snapshot is never misread. Strings repeat (sources, facets, states): each is written
/// once and then referred to by number. Dictionaries are written in ordinal key order, so the same state
/// gives the same bytes in every process.
/// </summary>
public static class OperationSnapshot
{
    /// <summary>The format this code writes. Change it with every change of what is written.</summary>
    public const byte Format = 6;

    public static byte[] Write(OperationState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var w = SnapshotWriter.Rent();
        {
            w.Byte(Format);
            w.Text(state.OperationId);
            w.Text(state.OperationType);
            w.Long(state.Version);
            w.Int(state.PolicyVersion);
            w.Text(state.Outcome);
            w.OptionalInt(state.OutcomeRuleIndex);
            w.Texts(state.OutcomeFacets);
            w.OptionalTime(state.AgreedSince);
            w.Byte(state.Finalized ? (byte)1 : (byte)0);
            w.OptionalLong(state.FinalAfter?.Ticks);
            w.Int(state.OpenConflictCount);
            w.OptionalTime(state.NextDeadline);
            w.OptionalTime(state.UpdatedAt);

            var facets = state.FacetSlots;
            w.Int(facets.Count);
            for (var i = 0; i < facets.Count; i++)
            {
                var (name, truth) = facets[i];
                w.Text(name);
                w.Text(truth.State);
                w.Text(truth.Source);
                w.Text(truth.Basis);
                w.OptionalTime(truth.Since);
                w.Int(truth.Claims.Count);
                foreach (var c in truth.Claims)
                {
                    w.Text(c.Source);
                    w.Text(c.State);
                    w.Time(c.At);
                    w.Time(c.ObservedAt);
                    w.OptionalLong(c.SourceSequence);
                    w.Text(c.SignalId);
                    w.Text(c.EffectKey);
                    w.Text(c.AttributesJson);
                }
            }

            w.Int(state.Conflicts.Count);
            foreach (var key in OrdinalKeys(state.Conflicts))
            {
                var c = state.Conflicts[key];
                w.Text(c.ConflictId);
                w.Text(c.Kind);
                w.Text(c.Severity);
                w.Text(c.Facet);
                w.Texts(c.Sources);
                w.Time(c.OpenedAt);
                w.Text(c.Status);
                w.OptionalTime(c.ResolvedAt);
                w.Text(c.Resolution);
                w.Text(c.ResolvedBy);
                w.Text(c.Reason);
                w.Int(c.Occurrences);
                w.Int(c.EvidenceVersions.Count);
                foreach (var v in c.EvidenceVersions)
                {
                    w.Long(v);
                }
                w.Texts(c.States);
                w.Time(c.FirstOpenedAt);
                w.Text(c.Detail);
                w.OptionalInt(c.ExpectationIndex);
                w.Int(c.Differences.Count);
                foreach (var difference in c.Differences)
                {
                    w.Text(difference.Field);
                    w.Int(difference.Values.Count);
                    foreach (var value in difference.Values)
                    {
                        w.Text(value.Key);
                        w.Text(value.Json);
                    }
                    w.Text(difference.Tolerance);
                    w.OptionalTexts(difference.Facets);
                }

                w.Byte(c.Pending is null ? (byte)0 : (byte)1);
                if (c.Pending is { } p)
                {
                    w.Text(p.Resolution);
                    w.Text(p.Reason);
                    w.Text(p.ProposedBy);
                    w.Time(p.ProposedAt);
                    w.Text(p.OverrideFacet);
                    w.Text(p.OverrideState);
                    w.Int(p.Approvals);
                }

                w.Text(c.ApprovedBy);
                w.Text(c.Cause);

                // Format 6: who answers for it and its clock.
                w.Text(c.Assignee);
                w.Text(c.AssignedBy);
                w.Text(c.AssignReason);
                w.OptionalTime(c.DueBy);
                w.Text(c.AcknowledgedBy);
                w.OptionalTime(c.AcknowledgedAt);
                w.OptionalTime(c.SnoozedUntil);
                w.Text(c.SnoozedBy);
                w.Text(c.SnoozeReason);
                w.OptionalTime(c.OverdueAt);
                w.OptionalTime(c.EscalatedAt);
            }

            // Only distinct reports: a repeated one answers no question the first does not.
            var reports = Distinct(state.Reports.All());
            w.Int(reports.Count);
            foreach (var r in reports)
            {
                w.Text(r.Source);
                w.Text(r.Facet);
                w.Text(r.State);
                w.Text(r.EffectKey);
                w.OptionalLong(r.SourceSequence);
            }

            w.Int(state.EffectKeys.Count);
            foreach (var key in OrdinalKeys(state.EffectKeys))
            {
                w.Text(key);
                w.Text(state.EffectKeys[key]);
            }

            w.Int(state.Divergences.Count);
            foreach (var key in OrdinalKeys(state.Divergences))
            {
                var d = state.Divergences[key];
                w.Text(d.ConflictId);
                w.Text(d.Kind);
                w.Text(d.Facet);
                w.Texts(d.Sources);
                w.Texts(d.States);
                w.Time(d.Since);
                w.Time(d.Due);
                w.Text(d.Attribute);
                w.OptionalTexts(d.Facets);
            }

            w.Int(state.Expectations.Count);
            foreach (var x in state.Expectations)
            {
                w.Int(x.Index);
                w.Time(x.ArmedAt);
                w.Time(x.Due);
                w.Text(x.TriggerSource);
                w.Text(x.ConflictId);
            }

            // Format 5: the signals open unmodeled conflicts hold (a format-4 state counted unmodeled signals as reports).
            w.Int(state.Unmodeled.Count);
            foreach (var key in OrdinalKeys(state.Unmodeled))
            {
                w.Text(key);
                var held = state.Unmodeled[key];
                w.Int(held.Count);
                foreach (var version in held)
                {
                    w.Long(version);
                }
            }

            // Format 6: the finish clock and the earliest conflict due.
            w.OptionalTime(state.StartedAt);
            w.OptionalTime(state.FinishDue);
            w.Byte(state.FinishPassed ? (byte)1 : (byte)0);
            w.OptionalTime(state.ConflictsDue);
        }

        return w.ToArrayAndReturn();
    }

    // A record's own hashing is costly next to the rest of a snapshot: few reports compare pairwise instead.
    private static IReadOnlyList<Report> Distinct(IReadOnlyList<Report> all)
    {
        if (all.Count > 32)
        {
            return all.Distinct().ToList();
        }

        var kept = new List<Report>(all.Count);
        foreach (var r in all)
        {
            var seen = false;
            foreach (var k in kept)
            {
                if (k.SourceSequence == r.SourceSequence && k.State == r.State && k.Facet == r.Facet && k.Source == r.Source && k.EffectKey == r.EffectKey)
                {
                    seen = true;
                    break;
                }
            }

            if (!seen)
            {
                kept.Add(r);
            }
        }

        return kept;
    }

    private static string[] OrdinalKeys<T>(ImmutableDictionary<string, T> dictionary)
    {
        if (dictionary.IsEmpty)
        {
            return [];
        }

        var keys = new string[dictionary.Count];
        var i = 0;
        foreach (var (key, _) in dictionary)
        {
            keys[i++] = key;
        }

        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    /// <summary>The state a snapshot holds, or null when it is in another format (fold the events instead).</summary>
    public static OperationState? Read(ReadOnlySpan<byte> snapshot)
    {
        if (snapshot.Length == 0 || snapshot[0] != Format)
        {
            return null;
        }

        var r = new SnapshotReader(snapshot[1..]);
        var state = new OperationState
        {
            OperationId = r.Text(),
            OperationType = r.Text(),
            Version = r.Long(),
            PolicyVersion = r.Int(),
            Outcome = r.Text()!,
            OutcomeRuleIndex = r.OptionalInt(),
            OutcomeFacets = r.Texts(),
            AgreedSince = r.OptionalTime(),
            Finalized = r.Byte() != 0,
            FinalAfter = r.OptionalLong() is { } ticks ? TimeSpan.FromTicks(ticks) : null,
            OpenConflictCount = r.Int(),
            NextDeadline = r.OptionalTime(),
            UpdatedAt = r.OptionalTime(),
        };

        var facets = FacetSlots.Empty;
        for (var i = r.Int(); i > 0; i--)
        {
            var name = r.Text()!;
            var (truthState, source, basis, since) = (r.Text(), r.Text(), r.Text()!, r.OptionalTime());
            var claims = ImmutableList.CreateBuilder<SourceClaim>();
            for (var c = r.Int(); c > 0; c--)
            {
                claims.Add(new SourceClaim(r.Text()!, r.Text()!, r.Time(), r.Time(), r.OptionalLong(), r.Text()!, r.Text()) { AttributesJson = r.Text() });
            }
            facets = facets.With(name, new FacetTruth(truthState, source, basis, since, claims.ToImmutable()));
        }

        var conflicts = ImmutableDictionary.CreateBuilder<string, ConflictRecord>();
        for (var i = r.Int(); i > 0; i--)
        {
            var (id, kind, severity, facet, sources, openedAt) = (r.Text()!, r.Text()!, r.Text()!, r.Text(), r.Texts(), r.Time());
            var (status, resolvedAt, resolution, resolvedBy, reason, occurrences) = (r.Text()!, r.OptionalTime(), r.Text(), r.Text(), r.Text(), r.Int());
            var evidence = ImmutableList.CreateBuilder<long>();
            for (var v = r.Int(); v > 0; v--)
            {
                evidence.Add(r.Long());
            }
            var record = new ConflictRecord(id, kind, severity, facet, sources, openedAt, status, resolvedAt, resolution, resolvedBy, reason,
                occurrences, evidence.ToImmutable(), r.Texts(), r.Time(), r.Text()!, r.OptionalInt());
            var differences = ImmutableList.CreateBuilder<Difference>();
            for (var d = r.Int(); d > 0; d--)
            {
                var field = r.Text()!;
                var values = ImmutableList.CreateBuilder<DifferenceValue>();
                for (var v = r.Int(); v > 0; v--)
                {
                    values.Add(new DifferenceValue(r.Text()!, r.Text()!));
                }
                differences.Add(new Difference(field, values.ToImmutable()) { Tolerance = r.Text(), Facets = r.OptionalTexts() });
            }
            var pending = r.Byte() == 0 ? null
                : new PendingResolution(r.Text()!, r.Text()!, r.Text()!, r.Time(), r.Text(), r.Text(), r.Int());
            conflicts.Add(id, record with
            {
                Differences = differences.ToImmutable(),
                Pending = pending,
                ApprovedBy = r.Text(),
                Cause = r.Text(),
                Assignee = r.Text(),
                AssignedBy = r.Text(),
                AssignReason = r.Text(),
                DueBy = r.OptionalTime(),
                AcknowledgedBy = r.Text(),
                AcknowledgedAt = r.OptionalTime(),
                SnoozedUntil = r.OptionalTime(),
                SnoozedBy = r.Text(),
                SnoozeReason = r.Text(),
                OverdueAt = r.OptionalTime(),
                EscalatedAt = r.OptionalTime(),
            });
        }

        var reports = new List<Report>();
        for (var i = r.Int(); i > 0; i--)
        {
            reports.Add(new Report(r.Text()!, r.Text()!, r.Text()!, r.Text(), r.OptionalLong()));
        }

        var effectKeys = ImmutableDictionary.CreateBuilder<string, string>();
        for (var i = r.Int(); i > 0; i--)
        {
            effectKeys.Add(r.Text()!, r.Text()!);
        }

        var divergences = ImmutableDictionary.CreateBuilder<string, Divergence>();
        for (var i = r.Int(); i > 0; i--)
        {
            var d = new Divergence(r.Text()!, r.Text()!, r.Text()!, r.Texts(), r.Texts(), r.Time(), r.Time()) { Attribute = r.Text(), Facets = r.OptionalTexts() };
            divergences.Add(d.ConflictId, d);
        }

        var expectations = ImmutableList.CreateBuilder<ArmedExpectation>();
        for (var i = r.Int(); i > 0; i--)
        {
            expectations.Add(new ArmedExpectation(r.Int(), r.Time(), r.Time(), r.Text(), r.Text()));
        }

        var unmodeled = ImmutableDictionary.CreateBuilder<string, ImmutableList<long>>();
        for (var i = r.Int(); i > 0; i--)
        {
            var id = r.Text()!;
            var held = ImmutableList.CreateBuilder<long>();
            for (var v = r.Int(); v > 0; v--)
            {
                held.Add(r.Long());
            }
            unmodeled.Add(id, held.ToImmutable());
        }

        var (startedAt, finishDue, finishPassed, conflictsDue) = (r.OptionalTime(), r.OptionalTime(), r.Byte() != 0, r.OptionalTime());

        return state with
        {
            FacetSlots = facets,
            Conflicts = conflicts.ToImmutable(),
            Reports = ReportBook.Of(reports),
            EffectKeys = effectKeys.ToImmutable(),
            Divergences = divergences.ToImmutable(),
            Expectations = expectations.ToImmutable(),
            Unmodeled = unmodeled.ToImmutable(),
            StartedAt = startedAt,
            FinishDue = finishDue,
            FinishPassed = finishPassed,
            ConflictsDue = conflictsDue,
        };
    }

    /// <summary>
    /// Numbers as 7-bit varints; strings once, then by number; times as ticks and offset minutes. One writer
    /// (buffer and string table) per thread, reused: a snapshot is written on every write of every operation.
    /// </summary>
    private sealed class SnapshotWriter
    {
        [ThreadStatic]
        private static SnapshotWriter? _current;

        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);
        private byte[] _buffer = new byte[1024];
        private int _at;

        public static SnapshotWriter Rent()
        {
            var writer = _current ?? new SnapshotWriter();
            _current = null;
            writer._at = 0;
            writer._strings.Clear();
            return writer;
        }

        /// <summary>The bytes written, as a new array; the writer goes back to this thread's slot.</summary>
        public byte[] ToArrayAndReturn()
        {
            var bytes = _buffer.AsSpan(0, _at).ToArray();
            if (_buffer.Length <= 64 * 1024)
            {
                _current = this;
            }
            return bytes;
        }

        private Span<byte> Room(int size)
        {
            if (_at + size > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _at + size));
            }
            return _buffer.AsSpan(_at, size);
        }

        public void Byte(byte value)
        {
            Room(1)[0] = value;
            _at++;
        }

        public void Int(int value) => Long((uint)value);

        public void Long(long value)
        {
            var room = Room(10);
            var n = 0;
            var v = (ulong)value;
            while (v >= 0x80)
            {
                room[n++] = (byte)(v | 0x80);
                v >>= 7;
            }
            room[n++] = (byte)v;
            _at += n;
        }

        public void OptionalInt(int? value) => OptionalLong(value);

        public void OptionalLong(long? value)
        {
            Byte(value.HasValue ? (byte)1 : (byte)0);
            if (value is { } v)
            {
                Long(v);
            }
        }

        public void Time(DateTimeOffset value)
        {
            var room = Room(10);
            BitConverter.TryWriteBytes(room, value.Ticks);
            BitConverter.TryWriteBytes(room[8..], (short)value.Offset.TotalMinutes);
            _at += 10;
        }

        public void OptionalTime(DateTimeOffset? value)
        {
            Byte(value.HasValue ? (byte)1 : (byte)0);
            if (value is { } v)
            {
                Time(v);
            }
        }

        /// <summary>0 for null; 1, the UTF-8 length and bytes for a first occurrence; 2 + its number for a repeat.</summary>
        public void Text(string? value)
        {
            if (value is null)
            {
                Int(0);
            }
            else if (_strings.TryGetValue(value, out var number))
            {
                Int(number + 2);
            }
            else
            {
                Int(1);
                var length = Encoding.UTF8.GetByteCount(value);
                Int(length);
                Encoding.UTF8.GetBytes(value, Room(length));
                _at += length;
                _strings.Add(value, _strings.Count);
            }
        }

        public void Texts(ImmutableList<string> values)
        {
            Int(values.Count);
            foreach (var value in values)
            {
                Text(value);
            }
        }

        /// <summary>0 for null, else 1 and the list.</summary>
        public void OptionalTexts(ImmutableList<string>? values)
        {
            Byte(values is null ? (byte)0 : (byte)1);
            if (values is not null)
            {
                Texts(values);
            }
        }
    }

    private ref struct SnapshotReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly List<string> _strings = [];
        private int _at;

        public long Long()
        {
            long result = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = _bytes[_at++];
                result |= (long)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }
        }

        public int Int() => (int)Long();

        public byte Byte() => _bytes[_at++];

        public int? OptionalInt() => _bytes[_at++] != 0 ? Int() : null;

        public long? OptionalLong() => _bytes[_at++] != 0 ? Long() : null;

        public DateTimeOffset Time()
        {
            var ticks = BitConverter.ToInt64(_bytes.Slice(_at, 8));
            var offset = BitConverter.ToInt16(_bytes.Slice(_at + 8, 2));
            _at += 10;
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(offset));
        }

        public DateTimeOffset? OptionalTime() => _bytes[_at++] != 0 ? Time() : null;

        public string? Text()
        {
            var tag = Int();
            if (tag == 0)
            {
                return null;
            }

            if (tag >= 2)
            {
                return _strings[tag - 2];
            }

            var length = Int();
            var text = Encoding.UTF8.GetString(_bytes.Slice(_at, length));
            _at += length;
            _strings.Add(text);
            return text;
        }

        public ImmutableList<string> Texts()
        {
            var count = Int();
            if (count == 0)
            {
                return [];
            }

            var list = ImmutableList.CreateBuilder<string>();
            for (var i = 0; i < count; i++)
            {
                list.Add(Text()!);
            }

            return list.ToImmutable();
        }

        public ImmutableList<string>? OptionalTexts() => _bytes[_at++] != 0 ? Texts() : null;
    }
}
