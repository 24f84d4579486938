Console.WriteLine("reconciler");
