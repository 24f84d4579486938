namespace Reconciler.Api.OpenApi;

/// <summary>
/// On a request contract whose reader takes either of several shapes (one signal or a batch; an expectation's
/// facet and state, or outcome): the schema is a <c>oneOf</c> of theirs (<see cref="WireSchemas"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OneOfAttribute(params Type[] shapes) : Attribute
{
    public IReadOnlyList<Type> Shapes { get; } = shapes;
}
