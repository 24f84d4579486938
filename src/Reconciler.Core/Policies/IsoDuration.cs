using System.Globalization;
using System.Text;

namespace Reconciler.Core.Policies;

/// <summary>
/// ISO-8601 durations of fixed length: <c>PnDTnHnMnS</c> (any part may be left out, the last one
/// present may have a fraction with '.' or ','), <c>PnW</c>, and a leading '-' for negative.
/// Years and months are refused: their length depends on the calendar, and a deadline must not.
/// </summary>
public static class IsoDuration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var i = 0;
        var negative = text[0] == '-';
        if (negative || text[0] == '+')
        {
            i++;
        }

        if (i >= text.Length || text[i] != 'P')
        {
            return false;
        }

        i++;

        decimal ticks = 0;
        var inTime = false;
        var parts = 0;
        var partsInTime = 0;
        var sawFraction = false;
        var order = 0; // designators must come in order: W/D = 1, H = 2, M = 3, S = 4
        var sawWeeks = false;
        while (i < text.Length)
        {
            if (text[i] == 'T')
            {
                if (inTime)
                {
                    return false;
                }

                inTime = true;
                i++;
                continue;
            }
            if (sawFraction)
            {
                return false; // only the last part may have a fraction
            }

            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] is '.' or ','))
            {
                i++;
            }

            if (i == start || i >= text.Length)
            {
                return false;
            }

            var number = text[start..i].Replace(',', '.');
            if (!char.IsAsciiDigit(number[0]) || !char.IsAsciiDigit(number[^1]))
            {
                return false;
            }

            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            sawFraction = number.Contains('.');
            var (rank, unit) = (inTime, text[i]) switch
            {
                (false, 'W') => (1, TimeSpan.TicksPerDay * 7),
                (false, 'D') => (1, TimeSpan.TicksPerDay),
                (true, 'H') => (2, TimeSpan.TicksPerHour),
                (true, 'M') => (3, TimeSpan.TicksPerMinute),
                (true, 'S') => (4, TimeSpan.TicksPerSecond),
                _ => (0, 0L),
            };
            if (rank == 0 || rank <= order)
            {
                return false;
            }

            if (text[i] == 'W')
            {
                sawWeeks = true;
            }

            order = rank;
            i++;
            parts++;
            if (inTime)
            {
                partsInTime++;
            }

            try { ticks += amount * unit; }
            catch (OverflowException) { return false; }
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }
        if (parts == 0 || (inTime && partsInTime == 0))
        {
            return false;
        }

        if (sawWeeks && parts > 1)
        {
            return false; // PnW stands alone
        }

        var whole = (long)decimal.Round(ticks, MidpointRounding.AwayFromZero);
        value = TimeSpan.FromTicks(negative ? -whole : whole);
        return true;
    }

    /// <summary>The shortest <c>PnDTnHnMnS</c> form, e.g. <c>PT10M</c>, <c>P1DT2H</c>, <c>PT0.5S</c>, <c>PT0S</c>.</summary>
    public static string Format(TimeSpan value)
    {
        var text = new StringBuilder();
        if (value < TimeSpan.Zero)
        {
            text.Append('-');
        }

        var ticks = value == TimeSpan.MinValue ? TimeSpan.MaxValue.Ticks : Math.Abs(value.Ticks);
        text.Append('P');
        var days = ticks / TimeSpan.TicksPerDay;
        var hours = ticks / TimeSpan.TicksPerHour % 24;
        var minutes = ticks / TimeSpan.TicksPerMinute % 60;
        var seconds = ticks % TimeSpan.TicksPerMinute;
        if (days > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{days}D");
        }

        if (hours > 0 || minutes > 0 || seconds > 0 || days == 0)
        {
            text.Append('T');
        }

        if (hours > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{hours}H");
        }

        if (minutes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{minutes}M");
        }

        if (seconds > 0 || ticks == 0)
        {
            text.Append(((decimal)seconds / TimeSpan.TicksPerSecond).ToString("0.#######", CultureInfo.InvariantCulture)).Append('S');
        }

        return text.ToString();
    }
}
