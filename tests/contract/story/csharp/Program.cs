// The integrator's story for C# clients generated from the live document: built in a scratch folder by the contract
// test (GeneratedClientTests) next to the generated code, never committed. Run: dotnet Story.dll <baseUrl> <adminKey> <run>
using Story;

if (args is not [var baseUrl, var adminKey, var run])
{
    Console.Error.WriteLine("usage: Story <baseUrl> <adminKey> <run>");
    return 2;
}
// Each client plays with ids of its own: a source's signal ids are unique across operations.
await NSwagStory.RunAsync(new Uri(baseUrl), adminKey, run + "n");
Console.WriteLine("nswag story passed");
await KiotaStory.RunAsync(new Uri(baseUrl), adminKey, run + "k");
Console.WriteLine("kiota story passed");
return 0;
