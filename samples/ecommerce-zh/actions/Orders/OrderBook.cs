using System.Text.Json;

namespace Kefu.Samples.Ecommerce.Orders;

/// <summary>
/// The sample's fake order database, data/orders.json ({"orders": [...]}), read once on first use (the file is
/// read-only: changes live in slots). A missing or malformed file throws with its path and position.
/// </summary>
public sealed class OrderBook(EcommerceOptions options)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    private readonly Lazy<IReadOnlyDictionary<string, Order>> orders = new(() => Load(options.OrdersFile));

    public string File => options.OrdersFile;

    public IReadOnlyCollection<Order> All => (IReadOnlyCollection<Order>)orders.Value.Values;

    /// <summary>The order with this normalized number, or null.</summary>
    public Order? Find(string orderId) => orders.Value.TryGetValue(orderId, out var order) ? order : null;

    private sealed record OrdersFile(IReadOnlyList<Order> Orders);

    private static Dictionary<string, Order> Load(string path)
    {
        OrdersFile? file;
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            file = JsonSerializer.Deserialize<OrdersFile>(stream, Json);
        }
        catch (FileNotFoundException ex)
        {
            throw new InvalidOperationException($"{path}: the sample's order file is missing", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new InvalidOperationException($"{path}: the sample's order file is missing", ex);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException(
                $"{path}:{(ex.LineNumber ?? 0) + 1}:{(ex.BytePositionInLine ?? 0) + 1}: {ex.Message}", ex);
        }
        if (file is null) throw new InvalidOperationException($"{path}: expected {{\"orders\": [...]}}, found null");
        var byId = new Dictionary<string, Order>(StringComparer.Ordinal);
        foreach (var order in file.Orders)
            if (!byId.TryAdd(OrderId.Normalize(order.Id), order))
                throw new InvalidOperationException($"{path}: order {order.Id} is listed twice");
        return byId;
    }
}
