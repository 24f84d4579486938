namespace Reconciler.Api.OpenApi;

/// <summary>
/// On a request contract whose reader takes either of several shapes (one signal or a batch; an expectation's
/// facet and state, or outcome): the schema has the properties of all of them and the required set of one
/// (<see cref="WireSchemas"/>). <see cref="Exclusive"/>: a body of one shape has none of the others' properties;
/// otherwise it may (a body with 'signals' is a batch, whatever else it holds).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EitherAttribute(params Type[] shapes) : Attribute
{
    public IReadOnlyList<Type> Shapes { get; } = shapes;

    public bool Exclusive { get; init; } = true;
}
