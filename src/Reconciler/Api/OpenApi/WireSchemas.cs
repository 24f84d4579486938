using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Reconciler.Core.Events;
using Reconciler.Http;

namespace Reconciler.Api.OpenApi;

/// <summary>
/// Makes each schema say what the serializer writes rather than what the CLR type allows:
/// <list type="bullet">
/// <item>required is every property the serializer always writes; one it leaves out when null (every nullable one,
/// <see cref="ApiJson"/>) is optional and, when present, never null; one kept as null
/// (<c>[JsonIgnore(Condition = Never)]</c>) stays required and nullable;</item>
/// <item>a property written by a custom converter is described by what that converter writes; one this class does not
/// know fails the document, so a new converter cannot put a wire shape the schema does not describe;</item>
/// <item>JSON passed through as it came (<see cref="JsonElement"/>) is an object of any values;</item>
/// <item>a request contract marked <see cref="EitherAttribute"/> takes either of its shapes;</item>
/// <item>a problem has the members <see cref="Problems"/> always writes.</item>
/// </list>
/// </summary>
public sealed class WireSchemas : IOpenApiSchemaTransformer
{
    // Marks Microsoft.AspNetCore.OpenApi puts on a schema while it builds the document.
    private const string NullableMark = "x-is-nullable-property";

    /// <summary>What each custom converter writes.</summary>
    private static readonly Dictionary<Type, Func<OpenApiSchema>> Converters = new()
    {
        [typeof(DifferenceValuesJson)] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Each value as JSON, keyed by source (or by a role: first/second, expected/due, from/to, claim/signal, final/now); the order of the keys carries no meaning.",
            AdditionalProperties = new OpenApiSchema(),
        },
    };

    public async Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type.GetCustomAttributes(typeof(EitherAttribute), false) is [EitherAttribute either])
        {
            await DescribeChoiceAsync(schema, either, context, cancellationToken);
            return;
        }
        if (context.JsonPropertyInfo is not null && (Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type) == typeof(JsonElement))
        {
            // Every JsonElement property the API writes or reads is an object passed through as it came: event data and
            // metadata, attributes. (Only the property itself: its additionalProperties come here too, as JsonElement.)
            schema.Type = JsonSchemaType.Object;
            schema.AdditionalProperties = new OpenApiSchema();
        }
        if (context.JsonPropertyInfo is { CustomConverter: { } converter } written)
        {
            Describe(schema, converter, written);
        }
        // An object's schema comes here alone, or as the schema of a property that holds it (JsonTypeInfo is the object's then too).
        // Required is what the serializer always writes (a property set in an initializer counts as much as a constructor's).
        if (context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Properties is { } properties)
        {
            var options = context.JsonTypeInfo.Options;
            schema.Required = new HashSet<string>(context.JsonTypeInfo.Properties
                .Where(p => p.Get is not null && !LeftOutWhenNull(p, options) && properties.ContainsKey(p.Name))
                .Select(p => p.Name));
            foreach (var property in context.JsonTypeInfo.Properties.Where(p => LeftOutWhenNull(p, options)))
            {
                if (properties.TryGetValue(property.Name, out var described) && described is OpenApiSchema inline)
                {
                    MarkOptional(inline);
                }
            }
        }
        if (context.JsonTypeInfo.Type == typeof(ProblemDetails))
        {
            DescribeProblem(schema);
        }
    }

    /// <summary>
    /// The schema of an <see cref="EitherAttribute"/> type: an object with the properties of all its shapes, and (in
    /// allOf) anyOf their required sets; an exclusive choice also forbids, in each branch, the properties only the other
    /// shapes have. Every generator reads this as one class whose properties are optional, and a validator still holds
    /// a body to the shapes. Not a oneOf: NSwag takes a oneOf's first branch for the whole type (a class it never
    /// writes, or one without properties). Not a bare anyOf: openapi-typescript types that as unknown.
    /// </summary>
    private static async Task DescribeChoiceAsync(OpenApiSchema schema, EitherAttribute either, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        schema.Type = JsonSchemaType.Object;
        schema.Properties = new Dictionary<string, IOpenApiSchema>();
        schema.Required = null;
        var shapes = new List<OpenApiSchema>();
        foreach (var shape in either.Shapes)
        {
            var described = await context.GetOrCreateSchemaAsync(shape, null, ct);
            shapes.Add(described);
            foreach (var (name, property) in described.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                schema.Properties.TryAdd(name, property);
            }
        }
        schema.AllOf = [new OpenApiSchema { AnyOf = [.. shapes.Select(shape => Branch(shape, either.Exclusive ? shapes.Where(s => s != shape) : []))] }];
    }

    private static OpenApiSchema Branch(OpenApiSchema shape, IEnumerable<OpenApiSchema> others)
    {
        var own = shape.Properties?.Keys.ToHashSet() ?? [];
        // "Has property p", with p named among the properties too (a required property that is not is a lint warning).
        var foreign = others.SelectMany(o => o.Properties?.Keys ?? []).Where(p => !own.Contains(p)).Distinct()
            .Select(p => new OpenApiSchema { Required = new HashSet<string> { p }, Properties = new Dictionary<string, IOpenApiSchema> { [p] = new OpenApiSchema() } })
            .ToList();
        return new OpenApiSchema
        {
            Description = shape.Description,
            Required = new HashSet<string>(shape.Required ?? new HashSet<string>()),
            Not = foreign switch
            {
                [] => null,
                [var one] => one,
                _ => new OpenApiSchema { AnyOf = [.. foreign] },
            },
        };
    }

    /// <summary>The problems <see cref="Problems"/> writes: type, title, status and detail always; more members by problem type.</summary>
    private static void DescribeProblem(OpenApiSchema schema)
    {
        schema.Description = "An RFC 9457 problem. Some types add members: errors (a list of every problem, each with its path or index and field), "
            + "field (the JSON path or parameter at fault), maxSignals and maxBytes (batch-too-large).";
        schema.Required = new HashSet<string> { "type", "title", "status", "detail" };
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "https://reconciler.dev/problems/<slug>: the rule, one slug per cause (docs/api.md, 'Problem types')" };
        schema.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id, as logged" };
        schema.AdditionalProperties = new OpenApiSchema();
    }

    private static void Describe(OpenApiSchema schema, JsonConverter converter, JsonPropertyInfo property)
    {
        if (!Converters.TryGetValue(converter.GetType(), out var wire))
        {
            throw new InvalidOperationException(
                $"{property.DeclaringType.Name}.{property.Name} is written by {converter.GetType().Name}, which {nameof(WireSchemas)} cannot describe: add what it writes to its table.");
        }
        var described = wire();
        schema.Type = described.Type;
        schema.Description = described.Description;
        schema.AdditionalProperties = described.AdditionalProperties;
        schema.Items = null;
        schema.Properties = null;
        schema.Required = null;
    }

    private static bool LeftOutWhenNull(JsonPropertyInfo property, JsonSerializerOptions options)
    {
        var condition = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true)
            .OfType<JsonIgnoreAttribute>().FirstOrDefault()?.Condition ?? options.DefaultIgnoreCondition;
        return property.IsGetNullable && condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault;
    }

    /// <summary>The property's schema without null: the property is left out instead (<see cref="OptionalProperties"/> says so).</summary>
    private static void MarkOptional(OpenApiSchema schema)
    {
        if (schema.Type is { } type)
        {
            schema.Type = type & ~JsonSchemaType.Null;
        }
        // The generator later turns a nullable property of a component type into oneOf [null, $ref] by this mark.
        schema.Metadata?.Remove(NullableMark);
    }
}
