using System.Globalization;

namespace Reconciler.Plumbing;

/// <summary>A whole number a worker's options read from the environment when the services are composed: a bad value stops the start.</summary>
public static class EnvironmentNumbers
{
    /// <summary>The variable's value, or null when it is not set; anything but a whole number from <paramref name="min"/> to <paramref name="max"/> throws.</summary>
    public static int? Read(string variable, int min, int max)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidOperationException($"{variable}='{text}' is not a whole number from {min} to {max}.");
    }
}
