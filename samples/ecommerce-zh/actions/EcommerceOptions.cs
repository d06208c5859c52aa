namespace Kefu.Samples.Ecommerce;

/// <summary>Where the sample project lives: its actions read ProjectDirectory/data/orders.json.</summary>
public sealed record EcommerceOptions(string ProjectDirectory)
{
    public string OrdersFile => Path.Combine(ProjectDirectory, "data", "orders.json");
}
